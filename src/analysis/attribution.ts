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
  type EndpointInputs,
  type NetworkPolicy,
  POLICY_KIND_LABEL,
  PROFILE_LABEL,
  PROFILE_NAME_ANNOTATION,
  type Protocol,
} from '../compiler/index.js';
import type { PeerContext } from '../compiler/peers.js';
import { type NamespaceLabels, peerMatches, portsMatch } from './matching.js';
import { selectorMatches } from './selectors.js';
import type { Endpoint, Pod } from './world.js';

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
    /** What fqdn and service endpoints resolve to (absent: their flows attribute nothing). */
    private readonly inputs: EndpointInputs = {},
  ) {
    for (const p of profiles) this.profiles.set(`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p);
  }

  /** "ns/profile" of the profile that rendered `policy`; undefined for any other policy. */
  ownerOf(policy: NetworkPolicy): string | undefined {
    const { namespace, labels = {}, annotations = {} } = policy.metadata;
    if (labels[POLICY_KIND_LABEL] === 'baseline') return undefined;
    const name = annotations[PROFILE_NAME_ANNOTATION] ?? labels[PROFILE_LABEL];
    return name && this.profiles.has(`${namespace}/${name}`) ? `${namespace}/${name}` : undefined;
  }

  /** "ns/profile" of every Enforce profile with a component selecting `pod` that isolates `direction`. */
  governing(pod: Pod, direction: Direction): string[] {
    const out: string[] = [];
    for (const [key, profile] of this.profiles) {
      const spec = profile.spec;
      if ((profile.metadata.namespace ?? 'default') !== pod.namespace || spec.mode === 'Audit') continue;
      if (!(spec.isolate ?? ['Ingress', 'Egress']).includes(direction)) continue;
      if (spec.components.some((c) => selectorMatches(c.podSelector, pod.labels))) out.push(key);
    }
    return out;
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
    const ctx = { namespace, selectors, inputs: this.inputs };
    (spec.allow ?? []).forEach((flow, i) => {
      if (this.grantsOf(direction, component, flow, ctx).some((g) => this.grants(g, namespace, c)))
        out.push(`${key} spec.allow[${i}]${this.named(flow, namespace)}`);
    });
    const egressIsolated = (spec.isolate ?? ['Ingress', 'Egress']).includes('Egress');
    if (direction === 'Egress' && egressIsolated && spec.allowDNS !== false)
      if (this.grants(dnsGrant(this.settings), namespace, c)) out.push(`${key} spec.allowDNS`);
    return out;
  }

  /** For flows to a DNS name or from/to a Service: which one, with its addresses or selector. */
  private named(flow: NonNullable<AppTrustProfile['spec']['allow']>[number], namespace: string): string {
    const parts: string[] = [];
    for (const [side, e] of [
      ['from', flow.from],
      ['to', flow.to],
    ] as const) {
      if (e.fqdn !== undefined)
        parts.push(
          `${side} fqdn ${e.fqdn} = ${(this.inputs.fqdn?.get(e.fqdn) ?? []).join(', ') || 'unresolved'}`,
        );
      if (e.service !== undefined) {
        const key = `${e.namespace ?? namespace}/${e.service}`;
        const selector = this.inputs.services?.get(key)?.spec?.selector ?? {};
        const labels = Object.keys(selector)
          .sort()
          .map((k) => `${k}=${selector[k]}`)
          .join(',');
        parts.push(`${side} service ${key} (${labels})`);
      }
    }
    return parts.length > 0 ? ` (${parts.join('; ')})` : '';
  }

  /** The flow's own grants (several for a DNS name: one per address). */
  private grantsOf(
    direction: Direction,
    component: string,
    flow: NonNullable<AppTrustProfile['spec']['allow']>[number],
    ctx: PeerContext,
  ): Grant[] {
    try {
      return direction === 'Ingress'
        ? ingressGrants(component, [flow], ctx)
        : egressGrants(component, [flow], ctx);
    } catch {
      return []; // a profile that does not validate renders nothing: nothing to attribute
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
