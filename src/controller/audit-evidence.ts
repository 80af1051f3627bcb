// Audit with evidence: the live flows — running pods × their declared container ports — that
// enforcing a profile would deny or newly allow. Two worlds that differ only in the profile's own
// policies (the live ones it owns out, the rendered ones in), judged cell by cell.
//
// Bounded and private, because it runs inside the operator that gates pod creation:
// - only cells that start or end at the profile's components are judged: no other cell can change,
//   since only policies selecting those pods differ between the two worlds;
// - at most `maxCells` cells and `maxTimeMs` per evaluation; past either, the counts are partial and
//   `limit` says so (status carries it; the reconcile never fails for it);
// - the work yields to the event loop every `sliceMs`, so lease renewals and watches keep flowing;
// - a peer in another namespace is named by its namespace only (and the port, for a destination),
//   never by workload name or labels: status is read by users of the profile's namespace. Nor can
//   its labels be probed: the profile's side of such a flow is judged as if the peer had no labels
//   (and its namespace only its name label), so changing a selector that reaches into another
//   namespace changes nothing here. The other end is judged as it is (its own policies, unchanged).

import {
  groupWorkloads,
  type Pod,
  ReachabilityAnalyzer,
  selectorMatches,
  type Workload,
  type World,
} from '../analysis/index.js';
import type { AuditSummary } from '../api/v1alpha1/index.js';
import type { NetworkPolicy, Protocol } from '../compiler/index.js';
import type { KubeObject } from '../kube/objects.js';
import type { SlimPod } from '../kube/pods.js';

/** How many flows status and the Event name; the counts cover all of them. */
export const MAX_EXAMPLES = 5;

export interface LiveWorld {
  namespaces: readonly KubeObject[];
  pods: readonly SlimPod[];
  /** Every NetworkPolicy in force (not only ours): the verdict needs all of them. */
  policies: readonly NetworkPolicy[];
}

export interface EvidenceLimits {
  /** Cells (from, to, port) judged at most; the rest are not evaluated. */
  maxCells: number;
  /** Wall-clock budget of one evaluation, yields included. */
  maxTimeMs: number;
  /** Longest stretch of work between two yields to the event loop. */
  sliceMs?: number;
}

export const DEFAULT_EVIDENCE_LIMITS: EvidenceLimits = {
  maxCells: 2_000_000,
  maxTimeMs: 15_000,
  sliceMs: 10,
};

export type FlowEvidence = Pick<AuditSummary, 'newlyDenied' | 'newlyAllowed' | 'examples'> & {
  /** Set when a cap stopped the evaluation: the counts cover only the cells judged. */
  limit?: string;
  /** What it cost (logs, never status: it changes with every run). */
  stats?: { judged: number; total: number; elapsedMs: number; longestStretchMs: number };
};

/** The clock and the yield, injectable so tests can drive a cap deterministically. */
export interface EvidenceRuntime {
  now: () => number;
  yieldToEventLoop: () => Promise<void>;
}

const REAL_RUNTIME: EvidenceRuntime = {
  now: () => performance.now(),
  yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)),
};

const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP'];
/** The label every namespace carries with its own name: all a profile may know of another one. */
const NAME_LABEL = 'kubernetes.io/metadata.name';

/** A running pod with an address, as the analysis sees it; undefined for any other. */
export function analysisPod(pod: SlimPod): Pod | undefined {
  const ip = pod.status?.podIP;
  if (pod.status?.phase !== 'Running' || !ip || !pod.metadata.namespace || pod.metadata.deletionTimestamp)
    return undefined;
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
  const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  return {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
    labels: pod.metadata.labels ?? {},
    ip,
    ips: (pod.status?.podIPs ?? []).map((p) => p.ip),
    ports: ports.map((p) => ({
      port: p.containerPort,
      protocol: (PROTOCOLS.includes(p.protocol ?? 'TCP') ? (p.protocol ?? 'TCP') : 'TCP') as Protocol,
      ...(p.name ? { name: p.name } : {}),
    })),
    ...(owner ? { owner: `${owner.kind}/${owner.name}` } : {}),
  };
}

interface Cell {
  from: Workload;
  to: Workload;
  port: number;
  protocol: Protocol;
}

/** The cells that can change, in a stable order: from each own workload, then into it from others. */
function* cellsAround(own: readonly Workload[], all: readonly Workload[]): Generator<Cell> {
  const isOwn = new Set(own);
  for (const a of own)
    for (const b of all) {
      if (a === b && a.pods.length <= 1) continue; // a single pod to itself is loopback
      for (const p of b.ports) yield { from: a, to: b, port: p.port, protocol: p.protocol ?? 'TCP' };
      if (isOwn.has(b)) continue; // own → own is judged once, above
      for (const p of a.ports) yield { from: b, to: a, port: p.port, protocol: p.protocol ?? 'TCP' };
    }
}

function countCells(own: readonly Workload[], all: readonly Workload[]): number {
  const isOwn = new Set(own);
  let total = 0;
  for (const a of own)
    for (const b of all) {
      if (a === b && a.pods.length <= 1) continue;
      total += b.ports.length + (isOwn.has(b) ? 0 : a.ports.length);
    }
  return total;
}

/**
 * The flows that change when, in `namespace`, the policies named `owned` are replaced by `rendered`.
 * Only flows between live pods: addresses outside the cluster have no "live" traffic to judge.
 */
export function flowEvidence(
  live: LiveWorld,
  ...question: Parameters<typeof flowEvidenceInWorld> extends [World, ...infer Rest] ? Rest : never
): Promise<FlowEvidence> {
  const world: World = {
    namespaces: live.namespaces.map((ns) => ({ name: ns.metadata.name, labels: ns.metadata.labels ?? {} })),
    pods: live.pods.map(analysisPod).filter((p): p is Pod => p !== undefined),
    policies: [...live.policies],
  };
  return flowEvidenceInWorld(world, ...question);
}

/** The same over a world as the analysis reads it (the CLI builds one from files). */
export async function flowEvidenceInWorld(
  world: World,
  namespace: string,
  owned: ReadonlySet<string>,
  rendered: readonly NetworkPolicy[],
  limits: EvidenceLimits = DEFAULT_EVIDENCE_LIMITS,
  runtime: EvidenceRuntime = REAL_RUNTIME,
): Promise<FlowEvidence> {
  const started = runtime.now();
  // The setup runs in steps too, each followed by a yield: the longest stretch is what the loop waits.
  let sliceStart = started;
  let longestStretch = 0;
  const pause = async () => {
    longestStretch = Math.max(longestStretch, runtime.now() - sliceStart);
    await runtime.yieldToEventLoop();
    sliceStart = runtime.now();
  };
  const { namespaces, pods } = world;
  const { before, after, ours } = worldsAround(world, namespace, owned, rendered);
  await pause();
  // Grouped by what either world can tell apart, so a row's verdict holds for each of its pods.
  const workloads = groupWorkloads(pods, [...world.policies, ...rendered]);
  await pause();
  const own = selectedIn(namespace, workloads, [...rendered, ...world.policies.filter(ours)]);
  const total = countCells(own, workloads);
  const judge = flowJudge(namespace, namespaces, before, after);
  const denied = new Set<string>();
  const allowed = new Set<string>();
  const sliceMs = limits.sliceMs ?? 10;
  let judged = 0;
  let limit: string | undefined;
  for (const cell of cellsAround(own, workloads)) {
    if (judged >= limits.maxCells) {
      limit = `cell cap reached: ${limits.maxCells} of ${total} flows evaluated (--audit-max-cells)`;
      break;
    }
    const clock = (judged & 255) === 0 ? runtime.now() : sliceStart;
    if (clock - sliceStart >= sliceMs) {
      await pause();
      if (sliceStart - started >= limits.maxTimeMs) {
        limit = `time cap reached: ${judged} of ${total} flows evaluated in ${limits.maxTimeMs} ms (--audit-max-time)`;
        break;
      }
    }
    judged++;
    const verdicts = judge(cell.from.representative, cell.to.representative, cell.port, cell.protocol);
    if (!verdicts || verdicts[0] === verdicts[1]) continue;
    const [was] = verdicts;
    (was ? denied : allowed).add(flowName(cell, namespace));
  }
  return evidenceOf(denied, allowed, limit, {
    judged,
    total,
    elapsedMs: Math.round(runtime.now() - started),
    longestStretchMs: Math.round(Math.max(longestStretch, runtime.now() - sliceStart)),
  });
}

/** The workloads of `namespace` that any of `policies` selects: the profile's side of every cell. */
function selectedIn(namespace: string, workloads: readonly Workload[], policies: readonly NetworkPolicy[]) {
  const selectors = policies.map((p) => p.spec.podSelector);
  return workloads.filter(
    (w) => w.namespace === namespace && selectors.some((s) => selectorMatches(s, w.representative.labels)),
  );
}

/** A foreign peer is its namespace; flows that then look alike are one flow (no count oracle). */
function flowName(cell: Cell, namespace: string): string {
  const label = (w: Workload) => (w.namespace === namespace ? w.name : w.namespace);
  return `${label(cell.from)} -> ${label(cell.to)} ${cell.port}/${cell.protocol}`;
}

/** The world as it is, and with the profile's owned policies replaced by `rendered`. */
function worldsAround(
  world: World,
  namespace: string,
  owned: ReadonlySet<string>,
  rendered: readonly NetworkPolicy[],
) {
  const { namespaces, pods } = world;
  const ours = (p: NetworkPolicy) => p.metadata.namespace === namespace && owned.has(p.metadata.name);
  const before: World = { namespaces, pods, policies: [...world.policies] };
  const after: World = {
    namespaces,
    pods,
    policies: [...world.policies.filter((p) => !ours(p)), ...rendered],
  };
  return { before, after, ours };
}

/**
 * Allowed before and after, for one cell (undefined when the other end refuses it either way:
 * nothing changes). The profile's side of a flow with another namespace is judged blind.
 */
function flowJudge(namespace: string, namespaces: World['namespaces'], before: World, after: World) {
  const judgeBefore = new ReachabilityAnalyzer(before);
  const judgeAfter = new ReachabilityAnalyzer(after);
  // The profile's side of a flow with another namespace: that namespace seen by its name only.
  const blind = namespaces.map((ns) =>
    ns.name === namespace ? ns : { name: ns.name, labels: { [NAME_LABEL]: ns.name } },
  );
  const blindBefore = new ReachabilityAnalyzer({ namespaces: blind, pods: [], policies: before.policies });
  const blindAfter = new ReachabilityAnalyzer({ namespaces: blind, pods: [], policies: after.policies });
  const anonymous = new Map<Pod, Pod>();
  const unlabelled = (pod: Pod) => {
    let copy = anonymous.get(pod);
    if (!copy) {
      copy = { ...pod, name: '', labels: {} };
      delete copy.owner;
      anonymous.set(pod, copy);
    }
    return copy;
  };
  /** Allowed before and after; undefined when the other end refuses it either way (nothing changes). */
  const judge = (from: Pod, to: Pod, port: number, protocol: Protocol): [boolean, boolean] | undefined => {
    if (from.namespace === namespace && to.namespace === namespace)
      return [
        judgeBefore.isAllowed(from, to, port, protocol),
        judgeAfter.isAllowed(from, to, port, protocol),
      ];
    if (to.namespace !== namespace) {
      if (!judgeBefore.directionAllows(to, 'Ingress', from, to, port, protocol)) return undefined;
      const peer = unlabelled(to);
      return [
        blindBefore.directionAllows(from, 'Egress', peer, peer, port, protocol),
        blindAfter.directionAllows(from, 'Egress', peer, peer, port, protocol),
      ];
    }
    if (!judgeBefore.directionAllows(from, 'Egress', to, to, port, protocol)) return undefined;
    const peer = unlabelled(from);
    return [
      blindBefore.directionAllows(to, 'Ingress', peer, to, port, protocol),
      blindAfter.directionAllows(to, 'Ingress', peer, to, port, protocol),
    ];
  };
  return judge;
}

function evidenceOf(
  denied: ReadonlySet<string>,
  allowed: ReadonlySet<string>,
  limit: string | undefined,
  stats: NonNullable<FlowEvidence['stats']>,
): FlowEvidence {
  const examples = [
    ...[...denied].sort().map((f) => `denied ${f}`),
    ...[...allowed].sort().map((f) => `allowed ${f}`),
  ].slice(0, MAX_EXAMPLES);
  return {
    newlyDenied: denied.size,
    newlyAllowed: allowed.size,
    ...(examples.length > 0 ? { examples } : {}),
    ...(limit ? { limit } : {}),
    stats,
  };
}
