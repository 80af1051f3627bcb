// What a profile's rendered policies need, against what the cache shows (pure): the plan that
// Enforce carries out and Audit only reports.
import type { NetworkPolicy } from '../compiler/index.js';
import { isControlledBy, isUpToDate, type LivePolicy } from '../kube/policy-store.js';

export interface PolicyUpdate {
  live: LivePolicy;
  desired: NetworkPolicy;
}

export interface PolicyPlan {
  create: NetworkPolicy[];
  update: PolicyUpdate[];
  /** Wanted names held by a policy this profile does not control (carrying our labels or not). */
  conflicts: Array<{ desired: NetworkPolicy; live: LivePolicy }>;
  /** Policies the profile controls that its spec no longer renders (e.g. v1 names after the rename). */
  prune: LivePolicy[];
  unchanged: NetworkPolicy[];
}

export interface PlanInput {
  ownerUid: string | undefined;
  desired: readonly NetworkPolicy[];
  /** Policies of the namespace that this profile controls. */
  owned: readonly LivePolicy[];
  /** The cached policy of that name, ours or not (the cache holds every policy). */
  live: (name: string) => LivePolicy | undefined;
  /** A write of exactly this policy is done but not in the cache yet: nothing to do. */
  pending: (desired: NetworkPolicy, live: LivePolicy | undefined) => boolean;
}

export function planPolicies(input: PlanInput): PolicyPlan {
  const plan: PolicyPlan = { create: [], update: [], conflicts: [], prune: [], unchanged: [] };
  for (const desired of input.desired) {
    const live = input.live(desired.metadata.name);
    if (input.pending(desired, live)) plan.unchanged.push(desired);
    else if (!live) plan.create.push(desired);
    else if (!isControlledBy(live, input.ownerUid)) plan.conflicts.push({ desired, live });
    else if (isUpToDate(live, desired)) plan.unchanged.push(desired);
    else plan.update.push({ live, desired });
  }
  const wanted = new Set(input.desired.map((p) => p.metadata.name));
  plan.prune = input.owned.filter((p) => !wanted.has(p.metadata.name));
  return plan;
}

/** True when carrying out the plan writes nothing. */
export const isNoop = (plan: PolicyPlan) =>
  plan.create.length + plan.update.length + plan.prune.length + plan.conflicts.length === 0;
