// test-results/dataplane-latency.jsonl: policy write -> enforcement times, printed by the global
// teardown, never asserted.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../cluster/repo.js';

export const RESULTS_DIR = join(REPO_ROOT, 'test-results');
export const LATENCY_FILE = join(RESULTS_DIR, 'dataplane-latency.jsonl');

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
