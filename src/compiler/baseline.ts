import { sortKeys } from './canonical.js';
import { dnsGrant, egressRule, mergeGrants } from './grants.js';
import {
  BASELINE_DESCRIPTION,
  BASELINE_POLICY_KIND,
  BASELINE_POLICY_NAME,
  DESCRIPTION_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  POLICY_KIND_LABEL,
} from './labels.js';
import type { NetworkPolicy } from './networkpolicy.js';
import { type CompilerSettings, DEFAULT_SETTINGS } from './settings.js';

export interface BaselineOptions {
  /** Also allow egress to the cluster DNS from every pod. */
  allowDNS: boolean;
  settings?: CompilerSettings;
}

/** The namespace's deny-all baseline: selects every pod, isolates both directions, no rules. */
export function baselinePolicyFor(namespace: string, options: BaselineOptions): NetworkPolicy {
  const spec: NetworkPolicy['spec'] = { podSelector: {}, policyTypes: ['Ingress', 'Egress'] };
  if (options.allowDNS) {
    spec.egress = mergeGrants([dnsGrant(options.settings ?? DEFAULT_SETTINGS)]).map(egressRule);
  }
  return sortKeys({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: BASELINE_POLICY_NAME,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [POLICY_KIND_LABEL]: BASELINE_POLICY_KIND },
      annotations: {
        [DESCRIPTION_ANNOTATION]: BASELINE_DESCRIPTION.replace('NAMESPACE', namespace),
      },
    },
    spec,
  });
}
