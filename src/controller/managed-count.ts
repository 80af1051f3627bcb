// apptrust_managed_networkpolicies counts the policies carrying our managed-by label; the policy
// cache holds every NetworkPolicy, so its size is not that count. Kept per event (O(1)).
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/v1alpha1/keys.js';
import type { InformerEvent } from '../kube/informer.js';
import { keyOf } from '../kube/objects.js';
import type { LivePolicy } from '../kube/policy-store.js';

export class ManagedPolicyCount {
  private readonly keys = new Set<string>();

  /** Takes one cache event; returns the current count. */
  seen(event: InformerEvent, policy: LivePolicy): number {
    const key = keyOf(policy.metadata);
    if (event !== 'delete' && policy.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE)
      this.keys.add(key);
    else this.keys.delete(key);
    return this.keys.size;
  }
}
