// What every dataplane test file shares: skip with the reason where the tier cannot run, the run's
// dataplane, the operator under test on its control plane, and the records the tier exposes
// (test-results/dataplane-probes.jsonl: one observed probe per line, see verdicts.ts;
// dataplane-latency.jsonl).
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Operator } from '../../src/controller/operator.js';
import { profile as profilePath } from '../../src/kube/paths.js';
import { REPO_ROOT } from '../cluster/repo.js';
import { eventually } from '../helpers/cluster.js';
import { startTestOperator } from '../helpers/operator.js';
import { Dataplane } from './dataplane.js';

export const SKIP_REASON = process.env.APPTRUST_DATAPLANE_SKIP;
if (SKIP_REASON) console.warn(`dataplane tier skipped: ${SKIP_REASON}`);
/** `describe` where the dataplane runs, `describe.skip` (reported as skipped, with the reason above) elsewhere. */
export const describeDataplane = SKIP_REASON ? describe.skip : describe;

export const RESULTS_DIR = join(REPO_ROOT, 'test-results');
export const LATENCY_FILE = join(RESULTS_DIR, 'dataplane-latency.jsonl');

export function attachDataplane(): Dataplane {
  const stateDir = process.env.APPTRUST_DATAPLANE_STATE;
  const kubeconfig = process.env.APPTRUST_DATAPLANE_KUBECONFIG;
  if (!stateDir || !kubeconfig)
    throw new Error('no dataplane: run the dataplane project through jest (global setup)');
  // The operator helpers read the cluster from here (a per-file copy of the environment in Jest).
  process.env.APPTRUST_TEST_KUBECONFIG = kubeconfig;
  return Dataplane.attach(stateDir);
}

/** The real operator (the same code as dist/main.js), in this process, on the dataplane's cluster. */
export async function startOperator(flags: string[] = []): Promise<Operator> {
  const { operator, started } = startTestOperator(flags);
  await started;
  return operator;
}

export type LatencyKind = 'block' | 'allow';

/**
 * A policy write -> enforcement time on packets; printed by the global teardown, never asserted.
 * `samples`: the continuous probes that measured it (a transition: timing, not judged by the evaluator).
 */
export function recordLatency(
  what: string,
  kind: LatencyKind,
  measured: { ms: number | undefined; samples: number },
): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  appendFileSync(
    LATENCY_FILE,
    `${JSON.stringify({ what, kind, ms: measured.ms ?? null, samples: measured.samples })}\n`,
  );
}

export async function applyProfile(dataplane: Dataplane, profile: Record<string, unknown>): Promise<number> {
  const { name, namespace } = profile.metadata as { name: string; namespace: string };
  await dataplane.rest.apply(profilePath(namespace, name), profile, 'apptrust-dataplane-test');
  return Date.now();
}

export async function waitReady(dataplane: Dataplane, namespace: string, name: string): Promise<void> {
  await eventually(
    `${namespace}/${name} Ready`,
    async () => {
      const p = await dataplane.rest.get<{
        status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
      }>(profilePath(namespace, name));
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    },
    30_000,
  );
}
