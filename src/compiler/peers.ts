import type { Endpoint, LabelSelector } from '../api/v1alpha1/index.js';
import { type FqdnAddresses, fqdnPeers } from './fqdn.js';
import type { PolicyPeer } from './networkpolicy.js';
import { canonicalSelector } from './selectors.js';
import { type ServiceObject, serviceKeyOf, servicePeer, serviceProblem } from './services.js';

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** What endpoints that name things outside the profile resolve to, given as data. */
export interface EndpointInputs {
  /** Addresses per DNS name (the operator's resolver; the CLI's --fqdn or --resolve). */
  fqdn?: FqdnAddresses;
  /** Services by "namespace/name" (the operator's informer; the CLI's -f inputs). */
  services?: { get(key: string): ServiceObject | undefined };
}

/** What a flow's endpoints are resolved against. */
export interface PeerContext {
  /** The profile's namespace (a Service endpoint without namespace is there). */
  namespace: string;
  /** The profile's component names → pod selectors. */
  selectors: ReadonlyMap<string, LabelSelector>;
  inputs: EndpointInputs;
}

/**
 * The NetworkPolicy peers for one endpoint of a flow (validated: exactly one form; Services
 * checked by checkEndpoints). Several for a DNS name (one per address), none for an unresolved one.
 */
export function peersFor(endpoint: Endpoint, ctx: PeerContext): PolicyPeer[] {
  if (endpoint.fqdn !== undefined) return fqdnPeers(ctx.inputs.fqdn?.get(endpoint.fqdn) ?? []);
  if (endpoint.service !== undefined) {
    const key = serviceKeyOf(endpoint, ctx.namespace);
    const service = ctx.inputs.services?.get(key);
    const problem = serviceProblem(key, service);
    if (problem || !service) throw new Error(`unchecked profile: ${problem}`);
    return [servicePeer(service, ctx.namespace)];
  }
  return [peerFor(endpoint, ctx.selectors)];
}

/**
 * The NetworkPolicy peer for one endpoint of a flow in a form that needs no outside input.
 * `componentSelectors` maps the profile's component names to their pod selectors.
 */
export function peerFor(
  endpoint: Endpoint,
  componentSelectors: ReadonlyMap<string, LabelSelector>,
): PolicyPeer {
  if (endpoint.component !== undefined) {
    const selector = componentSelectors.get(endpoint.component);
    if (!selector) throw new Error(`unvalidated profile: unknown component ${endpoint.component}`);
    return { podSelector: canonicalSelector(selector) };
  }
  if (endpoint.cidr !== undefined) {
    const except =
      endpoint.except && endpoint.except.length > 0 ? [...new Set(endpoint.except)].sort() : undefined;
    return { ipBlock: except ? { cidr: endpoint.cidr, except } : { cidr: endpoint.cidr } };
  }
  // Both namespace forms AND a pod selector in ONE peer; {} means every pod of those namespaces.
  const podSelector = canonicalSelector(endpoint.podSelector ?? {});
  if (endpoint.namespace !== undefined)
    return {
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: endpoint.namespace } },
      podSelector,
    };
  if (endpoint.namespaceSelector !== undefined)
    return { namespaceSelector: canonicalSelector(endpoint.namespaceSelector), podSelector };
  return { podSelector };
}
