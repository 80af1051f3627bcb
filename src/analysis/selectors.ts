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

/**
 * Which of many selectors match a label set, without testing every one: a selector with
 * matchLabels is filed under one of its pairs, so only selectors filed under one of the labels'
 * pairs (and those with no matchLabels: expressions only, or empty) are tested in full. The
 * answer keeps the items' order.
 */
export class SelectorIndex<T> {
  private readonly byPair = new Map<string, number[]>();
  private readonly always: number[] = [];

  constructor(
    private readonly items: readonly T[],
    private readonly selectorOf: (item: T) => LabelSelector | undefined,
  ) {
    items.forEach((item, i) => {
      const pair = Object.entries(selectorOf(item)?.matchLabels ?? {})[0];
      if (!pair) {
        this.always.push(i);
        return;
      }
      const key = `${pair[0]}\u0000${pair[1]}`;
      const list = this.byPair.get(key);
      if (list) list.push(i);
      else this.byPair.set(key, [i]);
    });
  }

  matching(labels: Record<string, string>): T[] {
    const candidates = [...this.always];
    for (const [k, v] of Object.entries(labels)) {
      const list = this.byPair.get(`${k}\u0000${v}`);
      if (list) candidates.push(...list);
    }
    candidates.sort((a, b) => a - b);
    const out: T[] = [];
    for (const i of candidates) {
      const item = this.items[i] as T;
      if (selectorMatches(this.selectorOf(item), labels)) out.push(item);
    }
    return out;
  }
}
