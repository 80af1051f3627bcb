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
  /** Every known pod of the cluster (any phase): components are found here, peers too. */
  pods: readonly Pod[];
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

  constructor(
    private readonly world: WideningWorld,
    private readonly namespace: string,
    /** Every NetworkPolicy in force in the namespace (an untouched deny-all baseline may be left out). */
    private readonly policies: readonly NetworkPolicy[],
  ) {
    this.analyzer = new ReachabilityAnalyzer({
      namespaces: [...world.namespaces],
      pods: [],
      policies: [...policies],
    });
    this.namespaceLabels = namespaceLabelsOf(world.namespaces);
    this.local = world.pods.filter((p) => p.namespace === namespace);
  }

  /**
   * The flows that policies other than `own` (which must be among the namespace's policies, by
   * name) let reach or leave the components, beyond what `own` allows.
   */
  of(components: readonly Component[], own: ReadonlySet<string>): Widening {
    const flows = new Map<string, FlowBuilder>();
    const members = new Map(components.map((c) => [c, this.membersOf(c)]));
    // A component with no pod yet is a peer too, as the pod it will select.
    const expected = [...members.values()].flat().filter((p) => !this.local.includes(p));
    for (const component of components)
      for (const pod of members.get(component) ?? [])
        for (const direction of ['Ingress', 'Egress'] as const) {
          const selecting = this.analyzer.selecting(pod, direction);
          const mine = selecting.filter((p) => own.has(p.metadata.name));
          // The profile does not isolate this pod here: everything is allowed anyway, nothing widens.
          if (mine.length === 0) continue;
          const foreign = selecting
            .filter((p) => !own.has(p.metadata.name))
            .flatMap((p) => rulesOf(p, direction));
          if (foreign.length === 0) continue;
          const ownRules = mine.flatMap((p) => rulesOf(p, direction));
          this.extras({ component, components, pod, direction, expected }, foreign, ownRules, flows);
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
      const blocks = this.policies.flatMap((p) =>
        [...(p.spec.ingress ?? []).map((r) => r.from), ...(p.spec.egress ?? []).map((r) => r.to)].flatMap(
          (peers) => (peers ?? []).flatMap((peer) => (peer.ipBlock ? [peer.ipBlock] : [])),
        ),
      );
      const cidrs = blocks.flatMap((b) => [b.cidr, ...(b.except ?? [])]);
      this.peerCache = {
        pods: distinct(this.world.pods, blocks),
        externals: addressRegions(cidrs).map((r) => ({ ip: r.probe, text: r.text })),
      };
    }
    return this.peerCache;
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
    for (const remote of remotes) {
      const matching = (rules: readonly Rule[]) =>
        rules.filter((r) => peersMatch(r.peers, this.namespace, remote, this.namespaceLabels));
      const theirs = matching(foreign);
      if (theirs.length === 0) continue;
      const mine = matching(ownRules);
      const destination = direction === 'Ingress' ? pod : remote;
      for (const protocol of PROTOCOLS) {
        const cuts = portCuts([...theirs, ...mine], destination, protocol);
        cuts.forEach((port, i) => {
          if (mine.some((r) => portsMatch(r.ports, destination, port, protocol))) return;
          const allowing = theirs.filter((r) => portsMatch(r.ports, destination, port, protocol));
          if (allowing.length === 0) return;
          const peer = this.peerName(remote, components);
          const key = `${direction}\u0000${component.name}\u0000${peer}`;
          let flow = flows.get(key);
          if (!flow) {
            flow = { direction, component: component.name, peer, ports: new Map(), policies: new Set() };
            flows.set(key, flow);
          }
          const list = flow.ports.get(protocol) ?? [];
          list.push([port, (cuts[i + 1] ?? MAX_PORT + 1) - 1]);
          flow.ports.set(protocol, list);
          for (const r of allowing) flow.policies.add(r.policy);
        });
      }
    }
  }
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
