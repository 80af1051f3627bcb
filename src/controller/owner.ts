// Who holds a NetworkPolicy we wanted, in words for a Conflict message.
import type { LivePolicy } from '../kube/policy-store.js';

interface ManagedField {
  manager?: string;
  operation?: string;
}

export function describeOwner(live: LivePolicy): string {
  const controller = live.metadata.ownerReferences?.find((r) => r.controller === true);
  if (controller) return `owned by ${controller.kind} ${controller.name}`;
  // Read past the cache (a GET), managedFields name who created it; cached copies are slimmed.
  const managers = ((live.metadata as { managedFields?: ManagedField[] }).managedFields ?? [])
    .map((f) => f.manager)
    .filter((m): m is string => typeof m === 'string' && m !== '');
  if (managers.length > 0) return `no owner; written by ${[...new Set(managers)].join(', ')}`;
  return 'no owner';
}
