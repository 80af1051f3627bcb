// metav1.LabelSelector semantics: matchLabels AND every matchExpression; a missing selector matches all.
import type { LabelSelector } from '../api/v1alpha1/index.js';

type Requirement = NonNullable<LabelSelector['matchExpressions']>[number];

function requirementHolds(e: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, e.key);
  const listed = has && (e.values ?? []).includes(labels[e.key] as string);
  switch (e.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'In':
      return listed;
    case 'NotIn':
      return !listed;
  }
}

export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  return (selector.matchExpressions ?? []).every((e) => requirementHolds(e, labels));
}
