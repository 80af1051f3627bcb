import type { Endpoint, LabelSelector } from '../api/v1alpha1/index.js';
import type { PolicyPeer } from './networkpolicy.js';
import { canonicalSelector } from './selectors.js';

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * The NetworkPolicy peer for one endpoint of a flow. `componentSelectors` maps the profile's
 * component names to their pod selectors; the endpoint has been validated (exactly one form).
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
