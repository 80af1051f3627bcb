// Pods that the policies cannot tell apart form one workload (one matrix row): same namespace,
// owner, labels, declared ports and ipBlock memberships. 500 replicas are one row, and the row's
// verdicts hold for each of its pods.
import type { NetworkPolicy } from '../compiler/index.js';
import { ipInBlock } from './ip-blocks.js';
import { type ContainerPort, type Pod, podIps } from './world.js';

export interface Workload {
  /** "ns/name": the owner's name (a ReplicaSet's without its pod-template-hash), else the pod's. */
  name: string;
  namespace: string;
  pods: Pod[];
  /** The first pod by name: the one the matrix asks about. */
  representative: Pod;
  ports: ContainerPort[];
}

const TEMPLATE_HASH = 'pod-template-hash';

function canonical(record: Record<string, string>): string {
  return Object.keys(record)
    .sort()
    .map((k) => `${k}=${record[k]}`)
    .join(',');
}

export function canonicalPorts(ports: readonly ContainerPort[] = []): ContainerPort[] {
  const unique = new Map<string, ContainerPort>();
  for (const p of ports) {
    const port: ContainerPort = { port: p.port, protocol: p.protocol ?? 'TCP' };
    if (p.name) port.name = p.name;
    unique.set(`${port.protocol}/${port.port}/${port.name ?? ''}`, port);
  }
  return [...unique.values()].sort((a, b) =>
    a.port !== b.port ? a.port - b.port : `${a.protocol}${a.name}` < `${b.protocol}${b.name}` ? -1 : 1,
  );
}

function ipBlocksOf(policies: readonly NetworkPolicy[]): Array<{ cidr: string; except?: string[] }> {
  const seen = new Map<string, { cidr: string; except?: string[] }>();
  for (const p of policies)
    for (const rule of [
      ...(p.spec.ingress ?? []).map((r) => r.from),
      ...(p.spec.egress ?? []).map((r) => r.to),
    ])
      for (const peer of rule ?? []) if (peer.ipBlock) seen.set(JSON.stringify(peer.ipBlock), peer.ipBlock);
  return [...seen.values()];
}

/** The name of a pod's workload: its owner's (a ReplicaSet's without its pod-template-hash), else its own. */
export function workloadName(pod: Pod): string {
  if (!pod.owner) return pod.name;
  const [kind, ownerName = pod.name] = pod.owner.split('/');
  const hash = pod.labels[TEMPLATE_HASH];
  if (kind === 'ReplicaSet' && hash && ownerName.endsWith(`-${hash}`))
    return ownerName.slice(0, -hash.length - 1);
  return ownerName;
}

export function groupWorkloads(pods: readonly Pod[], policies: readonly NetworkPolicy[]): Workload[] {
  const blocks = ipBlocksOf(policies);
  const groups = new Map<string, Pod[]>();
  const sorted = [...pods].sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));
  for (const pod of sorted) {
    const ips = podIps(pod);
    const membership = blocks
      .map((b) => (ips.some((ip) => ipInBlock(ip, b.cidr, b.except)) ? '1' : '0'))
      .join('');
    const key = [
      pod.namespace,
      pod.owner ? `owner:${pod.owner}` : `pod:${pod.name}`,
      canonical(pod.labels),
      JSON.stringify(canonicalPorts(pod.ports)),
      membership,
    ].join('\u0000');
    const list = groups.get(key) ?? [];
    list.push(pod);
    groups.set(key, list);
  }
  const members = [...groups.values()];
  const nameCount = new Map<string, number>();
  for (const list of members) {
    const key = `${(list[0] as Pod).namespace}/${workloadName(list[0] as Pod)}`;
    nameCount.set(key, (nameCount.get(key) ?? 0) + 1);
  }
  return members
    .map((list) => {
      const first = list[0] as Pod;
      const base = `${first.namespace}/${workloadName(first)}`;
      // Two rows would share a name (two ReplicaSets of one Deployment mid-rollout): name each by its first pod.
      const name = (nameCount.get(base) ?? 0) > 1 ? `${first.namespace}/${first.name}` : base;
      return {
        name,
        namespace: first.namespace,
        pods: list,
        representative: first,
        ports: canonicalPorts(first.ports),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
