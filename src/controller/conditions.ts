// The Ready condition: reasons live beside the API types; this module computes the condition list.
import {
  type Condition,
  ConditionReason,
  DNS_RESOLVED_CONDITION,
  INTENT_HONORED_CONDITION,
  READY_CONDITION,
} from '../api/v1alpha1/index.js';

export {
  ConditionReason as Reason,
  DNS_RESOLVED_CONDITION as DNS_RESOLVED,
  INTENT_HONORED_CONDITION as INTENT_HONORED,
  READY_CONDITION as READY,
};

/**
 * The conditions list with `wanted` set: lastTransitionTime moves only when the status flips
 * (cert-manager/apimachinery semantics), so an unchanged condition is byte-identical.
 */
export function withCondition(
  current: readonly Condition[] | undefined,
  wanted: Omit<Condition, 'lastTransitionTime'>,
  now: () => string,
): Condition[] {
  const existing = current?.find((c) => c.type === wanted.type);
  const lastTransitionTime =
    existing && existing.status === wanted.status ? existing.lastTransitionTime : now();
  const others = (current ?? []).filter((c) => c.type !== wanted.type);
  return [...others, { ...wanted, lastTransitionTime }];
}
