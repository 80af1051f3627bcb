import type { Flow, LabelSelector } from '../api/v1alpha1/index.js';
import { canonicalJson } from './canonical.js';
import type { EgressRule, IngressRule, PolicyPeer, PolicyPort } from './networkpolicy.js';
import { peerFor } from './peers.js';
import { canonicalPorts, policyPortFor } from './ports.js';
import type { CompilerSettings } from './settings.js';

/** What one rule grants: a peer and its ports (undefined = every port and protocol). */
export interface Grant {
  peer: PolicyPeer;
  ports: PolicyPort[] | undefined;
}

function portsOf(flow: Flow): PolicyPort[] | undefined {
  return flow.ports && flow.ports.length > 0 ? flow.ports.map(policyPortFor) : undefined;
}

/** Flows into `component`: each becomes an ingress grant from the flow's source. */
export function ingressGrants(
  component: string,
  flows: readonly Flow[],
  selectors: ReadonlyMap<string, LabelSelector>,
): Grant[] {
  return flows
    .filter((f) => f.to.component === component)
    .map((f) => ({ peer: peerFor(f.from, selectors), ports: portsOf(f) }));
}

/** Flows out of `component`: each becomes an egress grant to the flow's destination. */
export function egressGrants(
  component: string,
  flows: readonly Flow[],
  selectors: ReadonlyMap<string, LabelSelector>,
): Grant[] {
  return flows
    .filter((f) => f.from.component === component)
    .map((f) => ({ peer: peerFor(f.to, selectors), ports: portsOf(f) }));
}

export function dnsGrant(settings: CompilerSettings): Grant {
  return { peer: settings.dnsPeer, ports: settings.dnsPorts };
}

/**
 * One grant per distinct peer, with the union of its ports (all ports wins), sorted by canonical
 * form. Ports of a rule are ORed and peers of separate rules are ORed, so this allows exactly the
 * union of the inputs, in a form that does not depend on the order flows were written in.
 */
export function mergeGrants(grants: readonly Grant[]): Grant[] {
  const byPeer = new Map<string, Grant>();
  for (const grant of grants) {
    const key = canonicalJson(grant.peer);
    const seen = byPeer.get(key);
    if (!seen) byPeer.set(key, { peer: grant.peer, ports: grant.ports });
    else seen.ports = seen.ports && grant.ports ? [...seen.ports, ...grant.ports] : undefined;
  }
  return [...byPeer.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, g]) => ({ peer: g.peer, ports: g.ports ? canonicalPorts(g.ports) : undefined }));
}

export function ingressRule(grant: Grant): IngressRule {
  return grant.ports ? { from: [grant.peer], ports: grant.ports } : { from: [grant.peer] };
}

export function egressRule(grant: Grant): EgressRule {
  return grant.ports ? { to: [grant.peer], ports: grant.ports } : { to: [grant.peer] };
}
