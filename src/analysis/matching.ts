// What one NetworkPolicy peer and one port list match: the building blocks of every verdict.
import type { PolicyPeer, PolicyPort, Protocol } from '../compiler/index.js';
import { ipInBlock } from './ip-blocks.js';
import { selectorMatches } from './selectors.js';
import { type Endpoint, isPod, podIps } from './world.js';

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Labels of a namespace as the API server shows them (the name label is always there). */
export type NamespaceLabels = (namespace: string) => Record<string, string>;

export function namespaceLabelsOf(
  namespaces: ReadonlyArray<{ name: string; labels?: Record<string, string> }>,
) {
  const byName = new Map(
    namespaces.map((n) => [n.name, { ...(n.labels ?? {}), [NAMESPACE_NAME_LABEL]: n.name }]),
  );
  return (name: string) => byName.get(name) ?? { [NAMESPACE_NAME_LABEL]: name };
}

/**
 * A lookup over namespaces the caller already keeps by name (the operator's cache), so nothing scans
 * thousands of them per question; one labels object per namespace object, made on first need.
 */
export function namespaceLabelsBy(
  find: (name: string) => { labels?: Record<string, string> } | undefined,
): NamespaceLabels {
  const made = new WeakMap<object, Record<string, string>>();
  return (name) => {
    const meta = find(name);
    if (!meta) return { [NAMESPACE_NAME_LABEL]: name };
    let labels = made.get(meta);
    if (!labels) {
      labels = { ...(meta.labels ?? {}), [NAMESPACE_NAME_LABEL]: name };
      made.set(meta, labels);
    }
    return labels;
  };
}

/**
 * Does `peer`, written in a policy of `policyNamespace`, match the endpoint? An ipBlock matches by
 * address (pod IPs included, as the upstream e2e cases expect); selectors match pods only.
 */
export function peerMatches(
  peer: PolicyPeer,
  policyNamespace: string,
  endpoint: Endpoint,
  namespaceLabels: NamespaceLabels,
): boolean {
  if (peer.ipBlock) {
    const { cidr, except } = peer.ipBlock;
    return isPod(endpoint)
      ? podIps(endpoint).some((ip) => ipInBlock(ip, cidr, except))
      : ipInBlock(endpoint.ip, cidr, except);
  }
  if (!isPod(endpoint)) return false;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, namespaceLabels(endpoint.namespace))) return false;
    return selectorMatches(peer.podSelector, endpoint.labels);
  }
  return endpoint.namespace === policyNamespace && selectorMatches(peer.podSelector, endpoint.labels);
}

/** A rule's peers: absent or empty = every peer. */
export function peersMatch(
  peers: readonly PolicyPeer[] | undefined,
  policyNamespace: string,
  endpoint: Endpoint,
  namespaceLabels: NamespaceLabels,
): boolean {
  return (
    !peers ||
    peers.length === 0 ||
    peers.some((p) => peerMatches(p, policyNamespace, endpoint, namespaceLabels))
  );
}

/**
 * A rule's ports: absent or empty = every port and protocol. A named port resolves against the
 * destination pod's declared container ports (name and protocol); an address outside has none.
 */
export function portsMatch(
  ports: readonly PolicyPort[] | undefined,
  destination: Endpoint,
  port: number,
  protocol: Protocol,
): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') {
      const name = p.port;
      return (
        isPod(destination) &&
        (destination.ports ?? []).some(
          (c) => c.name === name && c.port === port && (c.protocol ?? 'TCP') === protocol,
        )
      );
    }
    return port >= p.port && port <= (p.endPort ?? p.port);
  });
}
