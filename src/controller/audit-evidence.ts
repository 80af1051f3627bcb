// Audit with evidence (pure): the live flows — running pods × their declared container ports — that
// enforcing a profile would deny or newly allow. Two worlds that differ only in the profile's own
// policies (the live ones it owns out, the rendered ones in), compared cell by cell.

import { diffWorlds, type Pod, type ReachabilityChange, type World } from '../analysis/index.js';
import type { AuditSummary } from '../api/v1alpha1/index.js';
import type { NetworkPolicy, Protocol } from '../compiler/index.js';
import type { KubeObject } from '../kube/objects.js';
import type { SlimPod } from '../kube/pods.js';

/** How many flows status and the Event name; the counts cover all of them. */
export const MAX_EXAMPLES = 5;

export interface LiveWorld {
  namespaces: readonly KubeObject[];
  pods: readonly SlimPod[];
  /** Every NetworkPolicy in force (not only ours): the verdict needs all of them. */
  policies: readonly NetworkPolicy[];
}

export type FlowEvidence = Pick<AuditSummary, 'newlyDenied' | 'newlyAllowed' | 'examples'>;

const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP'];

/** A running pod with an address, as the analysis sees it; undefined for any other. */
export function analysisPod(pod: SlimPod): Pod | undefined {
  const ip = pod.status?.podIP;
  if (pod.status?.phase !== 'Running' || !ip || !pod.metadata.namespace || pod.metadata.deletionTimestamp)
    return undefined;
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
  const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  return {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
    labels: pod.metadata.labels ?? {},
    ip,
    ips: (pod.status?.podIPs ?? []).map((p) => p.ip),
    ports: ports.map((p) => ({
      port: p.containerPort,
      protocol: (PROTOCOLS.includes(p.protocol ?? 'TCP') ? (p.protocol ?? 'TCP') : 'TCP') as Protocol,
      ...(p.name ? { name: p.name } : {}),
    })),
    ...(owner ? { owner: `${owner.kind}/${owner.name}` } : {}),
  };
}

/**
 * The flows that change when, in `namespace`, the policies named `owned` are replaced by `rendered`.
 * Only flows between live pods: addresses outside the cluster have no "live" traffic to judge.
 */
export function flowEvidence(
  live: LiveWorld,
  namespace: string,
  owned: ReadonlySet<string>,
  rendered: readonly NetworkPolicy[],
): FlowEvidence {
  const base = {
    namespaces: live.namespaces.map((ns) => ({ name: ns.metadata.name, labels: ns.metadata.labels ?? {} })),
    pods: live.pods.map(analysisPod).filter((p): p is Pod => p !== undefined),
  };
  const before: World = { ...base, policies: [...live.policies] };
  const kept = live.policies.filter((p) => p.metadata.namespace !== namespace || !owned.has(p.metadata.name));
  const after: World = { ...base, policies: [...kept, ...rendered] };
  const changes = diffWorlds(before, after);
  const denied = changes.filter((c) => c.change === 'removed');
  const allowed = changes.filter((c) => c.change === 'added');
  const example = (c: ReachabilityChange) =>
    `${c.change === 'removed' ? 'denied' : 'allowed'} ${c.from} -> ${c.to} ${c.port}/${c.protocol}`;
  const examples = [...denied, ...allowed].slice(0, MAX_EXAMPLES).map(example);
  return {
    newlyDenied: denied.length,
    newlyAllowed: allowed.length,
    ...(examples.length > 0 ? { examples } : {}),
  };
}
