// The Ready condition and its reasons, in one place.
import type { Condition } from '../api/v1alpha1/index.js';

export const Reason = {
  Reconciled: 'Reconciled',
  InvalidSpec: 'InvalidSpec',
  ApplyFailed: 'ApplyFailed',
  Conflict: 'Conflict',
  Audit: 'Audit',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export const READY = 'Ready';

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
