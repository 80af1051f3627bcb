// Kubernetes NetworkPolicy semantics with reasons. A connection needs both directions: the source's
// egress (when a policy isolates the source for Egress) and the destination's ingress (likewise).
// A pod selected by no policy of a direction is not isolated there: everything is allowed.
import type { Direction } from '../api/v1alpha1/index.js';
import type { NetworkPolicy, Protocol } from '../compiler/index.js';
import { FlowAttributor } from './attribution.js';
import { type NamespaceLabels, namespaceLabelsOf, peersMatch, portsMatch } from './matching.js';
import { type DirectionVerdict, directionReason, type RuleMatch } from './reasons.js';
import { SelectorIndex } from './selectors.js';
import { type Endpoint, endpointName, isPod, type Pod, type World } from './world.js';

export type { DirectionVerdict, RuleMatch };

export interface Verdict {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  allowed: boolean;
  /** Absent when the source is outside the cluster (no NetworkPolicy judges its egress). */
  egress?: DirectionVerdict;
  /** Absent when the destination is outside the cluster. */
  ingress?: DirectionVerdict;
  /** One line per judged direction, egress first. */
  reasons: string[];
}

const policyKey = (p: NetworkPolicy) => `${p.metadata.namespace}/${p.metadata.name}`;

function policyTypes(policy: NetworkPolicy): readonly string[] {
  if (policy.spec.policyTypes && policy.spec.policyTypes.length > 0) return policy.spec.policyTypes;
  return policy.spec.egress && policy.spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** A world prepared for many questions: namespace labels, policies by namespace, selections cached. */
export class ReachabilityAnalyzer {
  private readonly namespaceLabels: NamespaceLabels;
  private readonly policiesByNamespace = new Map<string, NetworkPolicy[]>();
  private readonly selections = new Map<Pod, Record<Direction, NetworkPolicy[]>>();
  private readonly indexes = new Map<string, SelectorIndex<NetworkPolicy>>();
  private readonly attributor: FlowAttributor;

  constructor(readonly world: World) {
    this.namespaceLabels = world.namespaceLabels ?? namespaceLabelsOf(world.namespaces);
    const sorted = [...world.policies].sort((a, b) => (policyKey(a) < policyKey(b) ? -1 : 1));
    for (const p of sorted) {
      const list = this.policiesByNamespace.get(p.metadata.namespace) ?? [];
      list.push(p);
      this.policiesByNamespace.set(p.metadata.namespace, list);
    }
    this.attributor = new FlowAttributor(
      world.profiles ?? [],
      world.settings,
      this.namespaceLabels,
      world.inputs,
    );
  }

  /** A namespace's policies by their podSelectors, built on first need. */
  private selectorIndex(namespace: string): SelectorIndex<NetworkPolicy> {
    let index = this.indexes.get(namespace);
    if (!index) {
      index = new SelectorIndex(this.policiesByNamespace.get(namespace) ?? [], (p) => p.spec.podSelector);
      this.indexes.set(namespace, index);
    }
    return index;
  }

  /** The policies that isolate `pod` for `direction`, sorted by name. */
  selecting(pod: Pod, direction: Direction): NetworkPolicy[] {
    let cached = this.selections.get(pod);
    if (!cached) {
      const mine = this.selectorIndex(pod.namespace).matching(pod.labels);
      cached = {
        Ingress: mine.filter((p) => policyTypes(p).includes('Ingress')),
        Egress: mine.filter((p) => policyTypes(p).includes('Egress')),
      };
      this.selections.set(pod, cached);
    }
    return cached[direction];
  }

  /** Is a connection from `source` to `destination` on port/protocol allowed? (No reasons: fast.) */
  isAllowed(source: Endpoint, destination: Endpoint, port: number, protocol: Protocol = 'TCP'): boolean {
    if (isPod(source) && !this.directionAllows(source, 'Egress', destination, destination, port, protocol))
      return false;
    return (
      !isPod(destination) || this.directionAllows(destination, 'Ingress', source, destination, port, protocol)
    );
  }

  /**
   * The verdict with its reasons: isolating policies, allowing rules and the profile flows behind
   * them. `names` overrides how the endpoints are named (a workload row speaks for its pods).
   */
  explain(
    source: Endpoint,
    destination: Endpoint,
    port: number,
    protocol: Protocol = 'TCP',
    names: { from: string; to: string } = { from: endpointName(source), to: endpointName(destination) },
  ): Verdict {
    const egress = isPod(source)
      ? this.judge(source, names.from, 'Egress', destination, destination, port, protocol)
      : undefined;
    const ingress = isPod(destination)
      ? this.judge(destination, names.to, 'Ingress', source, destination, port, protocol)
      : undefined;
    const verdict: Verdict = {
      from: names.from,
      to: names.to,
      port,
      protocol,
      allowed: (egress?.allowed ?? true) && (ingress?.allowed ?? true),
      reasons: [egress, ingress].filter((v) => v !== undefined).map(directionReason),
    };
    if (egress) verdict.egress = egress;
    if (ingress) verdict.ingress = ingress;
    return verdict;
  }

  /**
   * NetworkPolicy is additive: a rule of another policy (foreign, another profile's) that allows
   * what a governing profile's own rules do not widens that profile's intent; say so on the rule.
   */
  private markWidenings(pod: Pod, direction: Direction, policies: NetworkPolicy[], allowedBy: RuleMatch[]) {
    if (allowedBy.length === 0) return;
    const byKey = new Map(policies.map((p) => [policyKey(p), p]));
    const owner = (m: RuleMatch) => {
      const p = byKey.get(m.policy);
      return p ? this.attributor.ownerOf(p) : undefined;
    };
    for (const profile of this.attributor.governing(pod, direction)) {
      const isolates = policies.some((p) => this.attributor.ownerOf(p) === profile);
      if (!isolates || allowedBy.some((m) => owner(m) === profile)) continue;
      for (const m of allowedBy) if (owner(m) !== profile) m.widens = [...(m.widens ?? []), profile];
    }
  }

  private rulesOf(policy: NetworkPolicy, direction: Direction) {
    return direction === 'Ingress'
      ? (policy.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
      : (policy.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
  }

  /**
   * One direction alone: do the policies selecting `pod` for `direction` let this connection with
   * `remote` through? (Audit's evidence judges the two ends of a flow in different worlds.)
   */
  directionAllows(
    pod: Pod,
    direction: Direction,
    remote: Endpoint,
    destination: Endpoint,
    port: number,
    protocol: Protocol,
  ): boolean {
    const policies = this.selecting(pod, direction);
    return (
      policies.length === 0 ||
      policies.some((p) =>
        this.rulesOf(p, direction).some(
          (r) =>
            portsMatch(r.ports, destination, port, protocol) &&
            peersMatch(r.peers, p.metadata.namespace, remote, this.namespaceLabels),
        ),
      )
    );
  }

  private judge(
    pod: Pod,
    podName: string,
    direction: Direction,
    remote: Endpoint,
    destination: Endpoint,
    port: number,
    protocol: Protocol,
  ): DirectionVerdict {
    const policies = this.selecting(pod, direction);
    const allowedBy: RuleMatch[] = [];
    const field = direction === 'Ingress' ? 'ingress' : 'egress';
    for (const p of policies) {
      this.rulesOf(p, direction).forEach((r, i) => {
        if (
          portsMatch(r.ports, destination, port, protocol) &&
          peersMatch(r.peers, p.metadata.namespace, remote, this.namespaceLabels)
        )
          allowedBy.push({
            policy: policyKey(p),
            rule: `spec.${field}[${i}]`,
            flows: this.attributor.flowsFor(p, direction, { remote, destination, port, protocol }),
          });
      });
    }
    this.markWidenings(pod, direction, policies, allowedBy);
    return {
      direction,
      pod: podName,
      allowed: policies.length === 0 || allowedBy.length > 0,
      isolatedBy: policies.map(policyKey),
      allowedBy,
    };
  }
}
