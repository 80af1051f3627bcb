import type { Flow } from '../api/v1alpha1/index.js';
import { canonicalJson } from './canonical.js';
import type { EgressRule, IngressRule, PolicyPeer, PolicyPort } from './networkpolicy.js';
import { type PeerContext, peersFor } from './peers.js';
import { canonicalPorts, policyPortFor } from './ports.js';
import { serviceKeyOf, servicePorts } from './services.js';
import type { CompilerSettings } from './settings.js';

/** What one rule grants: a peer and its ports (undefined = every port and protocol). */
export interface Grant {
  peer: PolicyPeer;
  ports: PolicyPort[] | undefined;
}

function portsOf(flow: Flow): PolicyPort[] | undefined {
  return flow.ports && flow.ports.length > 0 ? flow.ports.map(policyPortFor) : undefined;
}

/** The destination ports of a flow: to a Service, its ports' targetPorts; else as written. */
function destinationPortsOf(flow: Flow, ctx: PeerContext): PolicyPort[] | undefined {
  if (flow.to.service === undefined) return portsOf(flow);
  const key = serviceKeyOf(flow.to, ctx.namespace);
  const service = ctx.inputs.services?.get(key);
  if (!service) throw new Error(`unchecked profile: Service ${key} not found`);
  const { ports } = servicePorts(key, service, flow.ports);
  // [] in a NetworkPolicy rule means every port: never let a mapping that found nothing say that.
  if (ports?.length === 0) throw new Error(`unchecked profile: no port of Service ${key} named`);
  return ports;
}

/** Flows into `component`: each becomes ingress grants from the flow's source (one per peer). */
export function ingressGrants(component: string, flows: readonly Flow[], ctx: PeerContext): Grant[] {
  return flows
    .filter((f) => f.to.component === component)
    .flatMap((f) => peersFor(f.from, ctx).map((peer) => ({ peer, ports: portsOf(f) })));
}

/**
 * Flows out of `component`: each becomes egress grants to the flow's destination (one per peer;
 * none for a DNS name without addresses, so nothing is allowed to it rather than everything).
 */
export function egressGrants(component: string, flows: readonly Flow[], ctx: PeerContext): Grant[] {
  return flows
    .filter((f) => f.from.component === component)
    .flatMap((f) => {
      const ports = destinationPortsOf(f, ctx);
      return peersFor(f.to, ctx).map((peer) => ({ peer, ports }));
    });
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
