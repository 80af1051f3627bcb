// A small NetworkPolicy evaluator (Kubernetes semantics) used to assert reachability, not YAML
// shapes: given namespaces, pods and policies, is traffic from A to B on port/protocol allowed?
import type { LabelSelector } from '../../src/api/v1alpha1/index.js';
import { parseCidr } from '../../src/api/v1alpha1/index.js';
import type { NetworkPolicy, PolicyPeer, PolicyPort } from '../../src/compiler/index.js';

export interface Namespace {
  name: string;
  labels?: Record<string, string>;
}

export interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ip: string;
  /** Named container ports, for named NetworkPolicy ports. */
  namedPorts?: Record<string, { port: number; protocol?: string }>;
}

/** An address outside the cluster. */
export interface External {
  ip: string;
}

export type Endpoint = Pod | External;

export interface World {
  namespaces: Namespace[];
  pods: Pod[];
  policies: NetworkPolicy[];
}

const isPod = (e: Endpoint): e is Pod => 'namespace' in e;

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
  return (
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (selector.matchExpressions ?? []).every((e) => requirementHolds(e, labels))
  );
}

function namespaceLabels(world: World, name: string): Record<string, string> {
  const ns = world.namespaces.find((n) => n.name === name);
  return { ...(ns?.labels ?? {}), 'kubernetes.io/metadata.name': name };
}

function ipIn(ip: string, cidr: string, except: string[] = []): boolean {
  const host = parseCidr(`${ip}/${ip.includes(':') ? 128 : 32}`);
  const inside = (text: string) => {
    const block = parseCidr(text);
    if (!host || !block || block.family !== host.family) return false;
    const shift = BigInt((block.family === 4 ? 32 : 128) - block.prefixLength);
    return host.network >> shift === block.network >> shift;
  };
  return inside(cidr) && !except.some(inside);
}

/** Does `peer`, written in a policy of `policyNamespace`, match the endpoint? */
function peerMatches(world: World, peer: PolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean {
  if (peer.ipBlock) return ipIn(endpoint.ip, peer.ipBlock.cidr, peer.ipBlock.except);
  if (!isPod(endpoint)) return false;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, namespaceLabels(world, endpoint.namespace))) return false;
    return selectorMatches(peer.podSelector ?? {}, endpoint.labels);
  }
  return endpoint.namespace === policyNamespace && selectorMatches(peer.podSelector ?? {}, endpoint.labels);
}

function portMatches(
  ports: PolicyPort[] | undefined,
  destination: Endpoint,
  port: number,
  protocol: string,
): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') {
      const named = isPod(destination) ? destination.namedPorts?.[p.port] : undefined;
      return named !== undefined && named.port === port && (named.protocol ?? 'TCP') === protocol;
    }
    return port >= p.port && port <= (p.endPort ?? p.port);
  });
}

function policyTypes(policy: NetworkPolicy): string[] {
  if (policy.spec.policyTypes && policy.spec.policyTypes.length > 0) return policy.spec.policyTypes;
  return policy.spec.egress && policy.spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

function selecting(world: World, pod: Pod, direction: 'Ingress' | 'Egress'): NetworkPolicy[] {
  return world.policies.filter(
    (p) =>
      p.metadata.namespace === pod.namespace &&
      policyTypes(p).includes(direction) &&
      selectorMatches(p.spec.podSelector, pod.labels),
  );
}

/** Is a connection from `source` to `destination` on port/protocol allowed by the policies? */
export function isAllowed(
  world: World,
  source: Endpoint,
  destination: Endpoint,
  port: number,
  protocol = 'TCP',
): boolean {
  if (isPod(source)) {
    const policies = selecting(world, source, 'Egress');
    const egressOk =
      policies.length === 0 ||
      policies.some((p) =>
        (p.spec.egress ?? []).some(
          (rule) =>
            (!rule.to ||
              rule.to.length === 0 ||
              rule.to.some((peer) => peerMatches(world, peer, p.metadata.namespace, destination))) &&
            portMatches(rule.ports, destination, port, protocol),
        ),
      );
    if (!egressOk) return false;
  }
  if (isPod(destination)) {
    const policies = selecting(world, destination, 'Ingress');
    return (
      policies.length === 0 ||
      policies.some((p) =>
        (p.spec.ingress ?? []).some(
          (rule) =>
            (!rule.from ||
              rule.from.length === 0 ||
              rule.from.some((peer) => peerMatches(world, peer, p.metadata.namespace, source))) &&
            portMatches(rule.ports, destination, port, protocol),
        ),
      )
    );
  }
  return true;
}

/** A reachability matrix as lines "a -> b: allowed" for readable test failures. */
export function reachability(
  world: World,
  endpoints: Record<string, Endpoint>,
  port: number,
  protocol = 'TCP',
): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [a, source] of Object.entries(endpoints))
    for (const [b, destination] of Object.entries(endpoints))
      if (a !== b) out[`${a} -> ${b}`] = isAllowed(world, source, destination, port, protocol);
  return out;
}
