// What a profile's own policies do not explain. NetworkPolicy is additive: for a pod and a direction,
// what is allowed is the union of the rules of every policy selecting it. For each component pod and
// each direction its profile isolates, the widening is that union minus the profile's own rules: the
// (peer, port) pairs some other policy (foreign, another profile's) allows and the profile does not.
// Judged on the live world on the component's own side (what it admits, whatever the other end's
// policies say today): every known pod as a peer, outside addresses cut at every ipBlock boundary,
// ports cut at every boundary a rule or a named container port draws, so each probe speaks for a
// region in which every verdict is the same.
import type { Direction, LabelSelector } from '../api/v1alpha1/index.js';
import type { NetworkPolicy, PolicyPeer, PolicyPort, Protocol } from '../compiler/index.js';
import { addressRegions } from './address-regions.js';
import { ipInBlock } from './ip-blocks.js';
import { type NamespaceLabels, namespaceLabelsOf, peersMatch, portsMatch } from './matching.js';
import { selectorMatches } from './selectors.js';
import { ReachabilityAnalyzer } from './verdict.js';
import { canonicalPorts, workloadName } from './workloads.js';
import { type Endpoint, type External, isPod, type Namespace, type Pod, podIps } from './world.js';

export interface Component {
  name: string;
  podSelector: LabelSelector;
}

/** One flow the profile does not declare, as a user of the profile's namespace may read it. */
export interface ExtraFlow {
  direction: Direction;
  component: string;
  /**
   * The other end: "component NAME", "workload NAME" (this namespace), "namespace NAME" (pods of
   * another namespace: never their names or labels) or "addresses CIDR|FIRST-LAST".
   */
  peer: string;
  /** "all ports" or e.g. "TCP 1-79, 81-65535; UDP 53". */
  ports: string;
  /** "ns/name" of the policies whose rules allow it, sorted. */
  policies: string[];
}

export interface Widening {
  /** Every policy ("ns/name") that allows some extra flow, sorted. */
  policies: string[];
  /** Sorted by direction (ingress first), component, peer. */
  flows: ExtraFlow[];
}

export interface WideningWorld {
  namespaces: readonly Namespace[];
  /** Labels by namespace name, when already indexed (then `namespaces` is not scanned). */
  namespaceLabels?: NamespaceLabels;
  /** Every known pod of the cluster (any phase): components are found here, peers too. */
  pods: readonly Pod[];
  /**
   * The pods of one namespace, when the caller has them indexed: components are found there, and
   * `pods` is read only when another policy's rules need peers.
   */
  podsIn?: (namespace: string) => readonly Pod[];
}

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const MAX_PORT = 65535;

interface Rule {
  policy: string;
  peers: readonly PolicyPeer[] | undefined;
  ports: readonly PolicyPort[] | undefined;
}

type Intervals = Array<[number, number]>;

interface FlowBuilder {
  direction: Direction;
  component: string;
  peer: string;
  ports: Map<Protocol, Intervals>;
  policies: Set<string>;
}

const policyKey = (p: NetworkPolicy) => `${p.metadata.namespace}/${p.metadata.name}`;

function rulesOf(policy: NetworkPolicy, direction: Direction): Rule[] {
  const name = policyKey(policy);
  return direction === 'Ingress'
    ? (policy.spec.ingress ?? []).map((r) => ({ policy: name, peers: r.from, ports: r.ports }))
    : (policy.spec.egress ?? []).map((r) => ({ policy: name, peers: r.to, ports: r.ports }));
}

function canonicalLabels(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** Pods the policies cannot tell apart count once: same namespace, labels, declared ports, ipBlocks. */
function distinct(pods: readonly Pod[], blocks: ReadonlyArray<{ cidr: string; except?: string[] }>): Pod[] {
  const seen = new Map<string, Pod>();
  const sorted = [...pods].sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));
  for (const pod of sorted) {
    const ips = podIps(pod);
    const key = [
      pod.namespace,
      canonicalLabels(pod.labels),
      JSON.stringify(canonicalPorts(pod.ports)),
      blocks.map((b) => (ips.some((ip) => ipInAny(ip, b)) ? '1' : '0')).join(''),
    ].join('\u0000');
    if (!seen.has(key)) seen.set(key, pod);
  }
  return [...seen.values()];
}

const ipInAny = (ip: string, b: { cidr: string; except?: string[] }) => ipInBlock(ip, b.cidr, b.except);

/** The numbers where some rule's port range (or a named container port) starts or ends. */
function portCuts(rules: readonly Rule[], destination: Endpoint, protocol: Protocol): number[] {
  const cuts = new Set<number>([1]);
  for (const r of rules)
    for (const p of r.ports ?? [])
      if ((p.protocol ?? 'TCP') === protocol && typeof p.port === 'number') {
        cuts.add(p.port);
        cuts.add((p.endPort ?? p.port) + 1);
      }
  if (isPod(destination))
    for (const c of destination.ports ?? [])
      if ((c.protocol ?? 'TCP') === protocol) {
        cuts.add(c.port);
        cuts.add(c.port + 1);
      }
  return [...cuts].filter((n) => n >= 1 && n <= MAX_PORT).sort((a, b) => a - b);
}

function merged(list: Intervals): Intervals {
  const sorted = [...list].sort((a, b) => a[0] - b[0]);
  const out: Intervals = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function portsText(ports: Map<Protocol, Intervals>): string {
  const all = PROTOCOLS.every((p) => {
    const m = merged(ports.get(p) ?? []);
    return m.length === 1 && m[0]?.[0] === 1 && m[0]?.[1] === MAX_PORT;
  });
  if (all) return 'all ports';
  return PROTOCOLS.filter((p) => (ports.get(p) ?? []).length > 0)
    .map(
      (p) =>
        `${p} ${merged(ports.get(p) ?? [])
          .map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`))
          .join(', ')}`,
    )
    .join('; ');
}

/**
 * Widenings of the profiles of one namespace, over that namespace's policies. Built once per
 * namespace; `of` answers per profile (the peers are worked out once, on first need).
 */
export class WideningAnalyzer {
  private readonly analyzer: ReachabilityAnalyzer;
  private readonly namespaceLabels: NamespaceLabels;
  private readonly local: Pod[];
  private peerCache: { pods: Pod[]; externals: Array<External & { text: string }> } | undefined;
  private readonly peerMatchCache = new Map<Rule, Map<Endpoint, boolean>>();
  private readonly portsKeys = new Map<Pod, string>();
  private readonly ruleCache = new Map<NetworkPolicy, Record<Direction, Rule[]>>();

  constructor(
    private readonly world: WideningWorld,
    private readonly namespace: string,
    /** Every NetworkPolicy in force in the namespace (an untouched deny-all baseline may be left out). */
    private readonly policies: readonly NetworkPolicy[],
  ) {
    this.namespaceLabels = world.namespaceLabels ?? namespaceLabelsOf(world.namespaces);
    this.analyzer = new ReachabilityAnalyzer({
      namespaces: world.namespaceLabels ? [] : [...world.namespaces],
      namespaceLabels: this.namespaceLabels,
      pods: [],
      policies: [...policies],
    });
    this.local = world.podsIn
      ? [...world.podsIn(namespace)]
      : world.pods.filter((p) => p.namespace === namespace);
  }

  /**
   * The flows that policies other than `own` (which must be among the namespace's policies, by
   * name) let reach or leave the components, beyond what `own` allows.
   */
  of(components: readonly Component[], own: ReadonlySet<string>): Widening {
    const flows = new Map<string, FlowBuilder>();
    const members = new Map(components.map((c) => [c, this.membersOf(c)]));
    // A component with no pod yet is a peer too, as the pod it will select.
    const local = new Set(this.local);
    const expected = [...members.values()].flat().filter((p) => !local.has(p));
    const names = new Map<Endpoint, string>();
    for (const component of components)
      for (const pod of members.get(component) ?? [])
        for (const direction of ['Ingress', 'Egress'] as const) {
          const selecting = this.analyzer.selecting(pod, direction);
          const mine = selecting.filter((p) => own.has(p.metadata.name));
          // The profile does not isolate this pod here: everything is allowed anyway, nothing widens.
          if (mine.length === 0) continue;
          const foreign = selecting
            .filter((p) => !own.has(p.metadata.name))
            .flatMap((p) => this.rules(p, direction));
          if (foreign.length === 0) continue;
          const ownRules = mine.flatMap((p) => this.rules(p, direction));
          this.extras({ component, components, pod, direction, expected, names }, foreign, ownRules, flows);
        }
    const list = [...flows.values()]
      .map((f) => ({
        direction: f.direction,
        component: f.component,
        peer: f.peer,
        ports: portsText(f.ports),
        policies: [...f.policies].sort(),
      }))
      .sort(compareFlows);
    return { policies: [...new Set(list.flatMap((f) => f.policies))].sort(), flows: list };
  }

  /** A component's pods, one per kind; none yet and a plain matchLabels: the pod it will select. */
  private membersOf(component: Component): Pod[] {
    const members = this.local.filter((p) => selectorMatches(component.podSelector, p.labels));
    if (members.length > 0) return distinct(members, []);
    if ((component.podSelector.matchExpressions ?? []).length > 0) return [];
    return [
      {
        name: `(${component.name})`,
        namespace: this.namespace,
        labels: { ...(component.podSelector.matchLabels ?? {}) },
        ip: '',
      },
    ];
  }

  private peers(): { pods: Pod[]; externals: Array<External & { text: string }> } {
    if (!this.peerCache) {
      const peerLists = this.policies.flatMap((p) => [
        ...(p.spec.ingress ?? []).map((r) => r.from),
        ...(p.spec.egress ?? []).map((r) => r.to),
      ]);
      const blocks = peerLists.flatMap((peers) =>
        (peers ?? []).flatMap((peer) => (peer.ipBlock ? [peer.ipBlock] : [])),
      );
      const cidrs = blocks.flatMap((b) => [b.cidr, ...(b.except ?? [])]);
      this.peerCache = {
        pods: this.representatives(distinct(this.world.pods, blocks), peerLists),
        externals: addressRegions(cidrs).map((r) => ({ ip: r.probe, text: r.text })),
      };
    }
    return this.peerCache;
  }

  /**
   * Pods of other namespaces are named by their namespace only, so two of one namespace that every
   * rule here matches alike (and that declare the same ports) say the same thing: one is kept. Only
   * peer lists that can reach another namespace (a namespaceSelector, an ipBlock, or none = all)
   * can tell them apart; the others match pods of this namespace only.
   */
  private representatives(
    pods: readonly Pod[],
    peerLists: ReadonlyArray<readonly PolicyPeer[] | undefined>,
  ): Pod[] {
    const crossing = new Map<string, readonly PolicyPeer[] | undefined>();
    for (const peers of peerLists)
      if (!peers || peers.length === 0 || peers.some((p) => p.namespaceSelector || p.ipBlock))
        crossing.set(JSON.stringify(peers ?? []), peers);
    const lists = [...crossing.values()];
    const kept = new Map<string, Pod>();
    const out: Pod[] = [];
    for (const pod of pods) {
      if (pod.namespace === this.namespace) {
        out.push(pod);
        continue;
      }
      const mask = lists.map((peers) =>
        peersMatch(peers, this.namespace, pod, this.namespaceLabels) ? '1' : '0',
      );
      const key = `${pod.namespace}\u0000${mask.join('')}\u0000${this.portsKey(pod)}`;
      if (!kept.has(key)) {
        kept.set(key, pod);
        out.push(pod);
      }
    }
    return out;
  }

  private peerName(remote: Endpoint & { text?: string }, components: readonly Component[]): string {
    if (!isPod(remote)) return `addresses ${remote.text ?? remote.ip}`;
    // Another namespace's workloads are not the profile owner's to read: the namespace only.
    if (remote.namespace !== this.namespace) return `namespace ${remote.namespace}`;
    const component = components.find((c) => selectorMatches(c.podSelector, remote.labels));
    return component ? `component ${component.name}` : `workload ${workloadName(remote)}`;
  }

  private extras(
    at: {
      component: Component;
      components: readonly Component[];
      pod: Pod;
      direction: Direction;
      expected: Pod[];
      /** Peer names for this profile's components, shared by all its questions. */
      names: Map<Endpoint, string>;
    },
    foreign: readonly Rule[],
    ownRules: readonly Rule[],
    flows: Map<string, FlowBuilder>,
  ): void {
    const { component, components, pod, direction } = at;
    const { pods, externals } = this.peers();
    const reachesOutside = foreign.some(
      (r) => !r.peers || r.peers.length === 0 || r.peers.some((p) => p.ipBlock),
    );
    const remotes: Array<Endpoint & { text?: string }> = [
      ...pods,
      ...at.expected,
      ...(reachesOutside ? externals : []),
    ];
    const names = at.names;
    const seen = new Set<string>();
    for (const remote of remotes) {
      // Which rules match: the signature of this remote for these rules.
      const theirs = foreign.filter((r) => this.peerMatches(r, remote));
      if (theirs.length === 0) continue;
      const mine = ownRules.filter((r) => this.peerMatches(r, remote));
      const peer = names.get(remote) ?? this.peerName(remote, components);
      names.set(remote, peer);
      // Remotes with the same name, the same matching rules (and, for egress, the same declared
      // ports) add exactly the same flow: judged once. 2,000 pods behind one allow-all are one.
      const ports = direction === 'Egress' && isPod(remote) ? this.portsKey(remote) : '';
      const signature = `${peer}\u0000${maskOf(theirs, foreign)}\u0000${maskOf(mine, ownRules)}\u0000${ports}`;
      if (seen.has(signature)) continue;
      seen.add(signature);
      const extra = extraPorts(theirs, mine, direction === 'Ingress' ? pod : remote);
      if (extra.length === 0) continue;
      const flow = this.flowOf(flows, direction, component.name, peer);
      for (const e of extra) {
        const list = flow.ports.get(e.protocol) ?? [];
        list.push([e.first, e.last]);
        flow.ports.set(e.protocol, list);
        for (const r of e.allowing) flow.policies.add(r.policy);
      }
    }
  }

  private flowOf(flows: Map<string, FlowBuilder>, direction: Direction, component: string, peer: string) {
    const key = `${direction}\u0000${component}\u0000${peer}`;
    let flow = flows.get(key);
    if (!flow) {
      flow = { direction, component, peer, ports: new Map(), policies: new Set() };
      flows.set(key, flow);
    }
    return flow;
  }

  /** Does a rule's peer list match the remote? Cached: one rule is asked about every peer, per profile. */
  private peerMatches(rule: Rule, remote: Endpoint): boolean {
    let byRemote = this.peerMatchCache.get(rule);
    if (!byRemote) {
      byRemote = new Map();
      this.peerMatchCache.set(rule, byRemote);
    }
    let hit = byRemote.get(remote);
    if (hit === undefined) {
      hit = peersMatch(rule.peers, this.namespace, remote, this.namespaceLabels);
      byRemote.set(remote, hit);
    }
    return hit;
  }

  private portsKey(pod: Pod): string {
    let key = this.portsKeys.get(pod);
    if (key === undefined) {
      key = JSON.stringify(pod.ports ?? []);
      this.portsKeys.set(pod, key);
    }
    return key;
  }

  /** A policy's rules of one direction, built once so their identity can key the caches. */
  private rules(policy: NetworkPolicy, direction: Direction): Rule[] {
    let cached = this.ruleCache.get(policy);
    if (!cached) {
      cached = { Ingress: rulesOf(policy, 'Ingress'), Egress: rulesOf(policy, 'Egress') };
      this.ruleCache.set(policy, cached);
    }
    return cached[direction];
  }
}

/** The port regions, per protocol, that some of `theirs` allow and none of `mine` does. */
function extraPorts(theirs: readonly Rule[], mine: readonly Rule[], destination: Endpoint) {
  const out: Array<{ protocol: Protocol; first: number; last: number; allowing: Rule[] }> = [];
  for (const protocol of PROTOCOLS) {
    const cuts = portCuts([...theirs, ...mine], destination, protocol);
    for (let i = 0; i < cuts.length; i++) {
      const port = cuts[i] as number;
      if (mine.some((r) => portsMatch(r.ports, destination, port, protocol))) continue;
      const allowing = theirs.filter((r) => portsMatch(r.ports, destination, port, protocol));
      if (allowing.length > 0)
        out.push({ protocol, first: port, last: (cuts[i + 1] ?? MAX_PORT + 1) - 1, allowing });
    }
  }
  return out;
}

/** Which of `all` are in `some` (a sub-list in order), as a short key. */
function maskOf(some: readonly Rule[], all: readonly Rule[]): string {
  if (some.length === all.length) return '*';
  let mask = 0;
  let j = 0;
  const extra: number[] = [];
  all.forEach((r, i) => {
    if (some[j] !== r) return;
    j++;
    if (i < 52) mask += 2 ** i;
    else extra.push(i);
  });
  return extra.length > 0 ? `${mask}+${extra.join(',')}` : `${mask}`;
}

function compareFlows(a: ExtraFlow, b: ExtraFlow): number {
  if (a.direction !== b.direction) return a.direction === 'Ingress' ? -1 : 1;
  if (a.component !== b.component) return a.component < b.component ? -1 : 1;
  return a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0;
}

/** e.g. "ingress to frontend from namespace other on all ports (by other/allow-all)". */
export function extraFlowText(f: ExtraFlow): string {
  const where =
    f.direction === 'Ingress'
      ? `ingress to ${f.component} from ${f.peer}`
      : `egress from ${f.component} to ${f.peer}`;
  return `${where} on ${f.ports} (by ${f.policies.join(', ')})`;
}
