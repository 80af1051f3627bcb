// Which profile flow rendered a rule: found from the policy's labels (profile, component) and the
// profile itself. Judged by meaning, not by rule position: the flows of the profile whose own grant
// (the compiler's peer and ports for that flow alone) matches this connection.
import type { AppTrustProfile, Direction } from '../api/v1alpha1/index.js';
import { dnsGrant, egressGrants, type Grant, ingressGrants } from '../compiler/grants.js';
import {
  BASELINE_POLICY_KIND,
  COMPONENT_LABEL,
  type CompilerSettings,
  DEFAULT_SETTINGS,
  type NetworkPolicy,
  POLICY_KIND_LABEL,
  PROFILE_LABEL,
  PROFILE_NAME_ANNOTATION,
  type Protocol,
} from '../compiler/index.js';
import { type NamespaceLabels, peerMatches, portsMatch } from './matching.js';
import type { Endpoint } from './world.js';

export interface Connection {
  /** The other end of the rule: the source for ingress, the destination for egress. */
  remote: Endpoint;
  destination: Endpoint;
  port: number;
  protocol: Protocol;
}

export class FlowAttributor {
  private readonly profiles = new Map<string, AppTrustProfile>();

  constructor(
    profiles: readonly AppTrustProfile[],
    private readonly settings: CompilerSettings = DEFAULT_SETTINGS,
    private readonly namespaceLabels: NamespaceLabels,
  ) {
    for (const p of profiles) this.profiles.set(`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p);
  }

  /** "ns/profile spec.allow[i]" for each flow of the owning profile that grants this connection. */
  flowsFor(policy: NetworkPolicy, direction: Direction, c: Connection): string[] {
    const { namespace, labels = {}, annotations = {} } = policy.metadata;
    if (labels[POLICY_KIND_LABEL] === BASELINE_POLICY_KIND)
      return direction === 'Egress' ? ['baseline DNS setting'] : [];
    const profileName = annotations[PROFILE_NAME_ANNOTATION] ?? labels[PROFILE_LABEL];
    const component = labels[COMPONENT_LABEL];
    const profile = profileName ? this.profiles.get(`${namespace}/${profileName}`) : undefined;
    if (!profile || !component) return [];
    const key = `${namespace}/${profileName}`;
    const spec = profile.spec;
    const selectors = new Map(spec.components.map((x) => [x.name, x.podSelector]));
    const out: string[] = [];
    (spec.allow ?? []).forEach((flow, i) => {
      if (this.grants(this.grantOf(direction, component, flow, selectors), namespace, c))
        out.push(`${key} spec.allow[${i}]`);
    });
    const egressIsolated = (spec.isolate ?? ['Ingress', 'Egress']).includes('Egress');
    if (direction === 'Egress' && egressIsolated && spec.allowDNS !== false)
      if (this.grants(dnsGrant(this.settings), namespace, c)) out.push(`${key} spec.allowDNS`);
    return out;
  }

  private grantOf(
    direction: Direction,
    component: string,
    flow: NonNullable<AppTrustProfile['spec']['allow']>[number],
    selectors: Map<string, AppTrustProfile['spec']['components'][number]['podSelector']>,
  ): Grant | undefined {
    try {
      const grants =
        direction === 'Ingress'
          ? ingressGrants(component, [flow], selectors)
          : egressGrants(component, [flow], selectors);
      return grants[0];
    } catch {
      return undefined; // a profile that does not validate renders nothing: nothing to attribute
    }
  }

  private grants(grant: Grant | undefined, namespace: string, c: Connection): boolean {
    return (
      grant !== undefined &&
      peerMatches(grant.peer, namespace, c.remote, this.namespaceLabels) &&
      portsMatch(grant.ports, c.destination, c.port, c.protocol)
    );
  }
}
