// The evaluator (src/analysis) against the packets (issue 11): every settled probe of the tier is
// judged on the world as the API server holds it right after the probe — every namespace, pod and
// NetworkPolicy of the cluster, read the way `apptrust explain --cluster` reads them — and the
// verdict must be the packet's. A probe the evaluator cannot model is recorded as left out, with the
// reason; test-results/dataplane-probes.jsonl has one line per probe (or per batch of left-out samples).
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Endpoint,
  isPod,
  type Pod,
  podIps,
  ReachabilityAnalyzer,
  type World,
} from '../../src/analysis/index.js';
import { WORLD_SOURCES } from '../../src/cli/cluster.js';
import type { SourceDocument } from '../../src/cli/load.js';
import { worldInputOf } from '../../src/cli/world-input.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { REPO_ROOT } from '../cluster/repo.js';
import type { Dataplane } from './dataplane.js';
import type { Observed } from './observe.js';

const RESULTS_DIR = join(REPO_ROOT, 'test-results');
export const PROBES_FILE = join(RESULTS_DIR, 'dataplane-probes.jsonl');

/** Every namespace, pod and NetworkPolicy of the cluster, as the evaluator's world. */
export async function readLiveWorld(rest: KubeRest): Promise<World> {
  const documents: SourceDocument[] = [];
  for (const source of WORLD_SOURCES) {
    const list = await rest.get<{ items?: object[] }>(source.path);
    for (const item of list.items ?? [])
      documents.push({
        file: 'dataplane cluster',
        value: { apiVersion: source.apiVersion, kind: source.kind, ...item },
      });
  }
  const input = worldInputOf(documents, 'default');
  if (input.problems.length > 0) throw new Error(`the live world: ${input.problems.join('; ')}`);
  return { namespaces: input.namespaces, pods: input.pods, policies: input.policies };
}

export interface Judged {
  /** The evaluator's verdict: true = allowed. */
  verdict?: boolean;
  /** Why the evaluator cannot judge this probe. */
  leftOut?: string;
}

/**
 * One endpoint of a probe as the evaluator sees that packet: a pod (from the API, with the one
 * address the packet carries: a dual-stack pod's other address takes no part in it) or an address
 * outside the cluster.
 */
function endpointOf(world: World, ref: string, ip: string): Endpoint | string {
  if (!ref.includes('/')) {
    const owner = world.pods.find((p) => podIps(p).includes(ip));
    return owner ? `${ip} is an address of pod ${owner.namespace}/${owner.name}, not outside` : { ip };
  }
  const [namespace, name] = ref.split('/');
  const pod = world.pods.find((p) => p.namespace === namespace && p.name === name);
  if (!pod) return `${ref}: no such pod in the API`;
  if (!podIps(pod).includes(ip)) return `${ref}: ${ip} is not among the pod's published IPs`;
  return { ...pod, ip, ips: [ip] } satisfies Pod;
}

/** The evaluator's verdict on one probe, or why it cannot give one. */
export function judge(analyzer: ReachabilityAnalyzer, probe: Observed): Judged {
  const from = endpointOf(analyzer.world, probe.fromRef, probe.fromIp);
  const to = endpointOf(analyzer.world, probe.toRef, probe.toIp);
  for (const e of [from, to]) if (typeof e === 'string') return { leftOut: e };
  if (!isPod(from as Endpoint) && !isPod(to as Endpoint))
    return { leftOut: 'neither end is a pod: no NetworkPolicy judges it' };
  return {
    verdict: analyzer.isAllowed(from as Endpoint, to as Endpoint, probe.port, probe.protocol ?? 'TCP'),
  };
}

export interface ProbeRecord extends Observed {
  test: string;
  /** A sample of a continuous probe (every few ms), rather than one settled observation per check. */
  continuous?: boolean;
  /** The evaluator's verdict on the live world read right after the probe. */
  evaluator?: boolean;
  leftOut?: string;
}

/** A batch of probes no verdict is asked for (continuous samples of a transition), with the reason. */
export interface LeftOutBatch {
  test: string;
  continuous: true;
  leftOut: string;
  count: number;
}

function append(lines: object[]): void {
  if (lines.length === 0) return;
  mkdirSync(RESULTS_DIR, { recursive: true });
  appendFileSync(PROBES_FILE, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
}

const describeProbe = (o: Observed) =>
  `${o.from} (${o.fromRef}) -> ${o.to} (${o.toRef}):${o.port}/${o.protocol ?? 'TCP'}${o.family === 6 ? ' IPv6' : ''}`;

export interface JudgeOptions {
  /** The probes are samples of continuous probing (recorded as such). */
  continuous?: boolean;
  /**
   * Why the evaluator cannot model a probe the caller knows about (e.g. before the pod's IP was
   * published, the enforcer itself cannot judge the pod); undefined: judge it.
   */
  leftOut?: (probe: Observed) => string | undefined;
}

/**
 * Judges every probe on the live world (read now, after the probes settled), records each one
 * with its verdict or the reason it was left out, and returns the disagreements (empty = agree).
 */
export async function judgeAndRecord(
  dataplane: Dataplane,
  test: string,
  observed: Observed[],
  options: JudgeOptions = {},
): Promise<string[]> {
  const analyzer = new ReachabilityAnalyzer(await readLiveWorld(dataplane.rest));
  const disagreements: string[] = [];
  const records: ProbeRecord[] = observed.map((o) => {
    const known = options.leftOut?.(o);
    const judged = known ? { leftOut: known } : judge(analyzer, o);
    if (judged.verdict !== undefined && judged.verdict !== o.connected)
      disagreements.push(
        `${describeProbe(o)}: packet ${o.connected ? 'connected' : `blocked (${o.outcome})`}, evaluator ${judged.verdict ? 'allowed' : 'denied'}`,
      );
    return {
      test,
      ...(options.continuous ? { continuous: true } : {}),
      ...o,
      ...(judged.verdict !== undefined ? { evaluator: judged.verdict } : {}),
      ...(judged.leftOut ? { leftOut: judged.leftOut } : {}),
    };
  });
  append(records);
  return disagreements;
}

/** Records continuous samples that are not judged at all, as one line with their count and the reason. */
export function recordLeftOut(test: string, count: number, reason: string): void {
  if (count > 0) append([{ test, continuous: true, leftOut: reason, count } satisfies LeftOutBatch]);
}
