import type { LabelSelector } from '../api/v1alpha1/index.js';
import { sortedUnique } from './canonical.js';

/**
 * The canonical form of a label selector: empty parts dropped (the API server drops them too, so
 * a read-back compares equal), expression values sorted and deduped, expressions sorted.
 */
export function canonicalSelector(selector: LabelSelector): LabelSelector {
  const out: LabelSelector = {};
  if (selector.matchLabels && Object.keys(selector.matchLabels).length > 0)
    out.matchLabels = selector.matchLabels;
  if (selector.matchExpressions && selector.matchExpressions.length > 0) {
    const expressions = selector.matchExpressions.map((e) =>
      e.values && e.values.length > 0
        ? { ...e, values: [...new Set(e.values)].sort() }
        : { key: e.key, operator: e.operator },
    );
    out.matchExpressions = sortedUnique(expressions);
  }
  return out;
}
