// Tears the dataplane and its control plane down, and prints the policy write -> enforcement
// latency the tests measured on packets (median, worst): printed, never asserted; and how many
// probes the evaluator judged (the tests fail on a disagreement) and which it did not, and why.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopControlPlane } from '../cluster/controlplane.js';
import { REPO_ROOT } from '../cluster/repo.js';
import { destroyDataplane } from './teardown.js';

const RESULTS = join(REPO_ROOT, 'test-results');

interface Sample {
  what: string;
  kind: 'block' | 'allow';
  ms: number | null;
}

function summary(samples: Sample[]): string {
  const ms = samples
    .map((s) => s.ms)
    .filter((m): m is number => m !== null)
    .sort((a, b) => a - b);
  if (ms.length === 0) return 'no samples';
  const median = ms[Math.floor((ms.length - 1) / 2)] as number;
  const never = samples.length - ms.length;
  return `median ${median.toFixed(0)} ms, worst ${(ms[ms.length - 1] as number).toFixed(0)} ms over ${ms.length} writes${never ? ` (${never} never settled)` : ''}`;
}

function printLatency(): void {
  const file = join(RESULTS, 'dataplane-latency.jsonl');
  if (!existsSync(file)) return;
  const samples = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Sample);
  const report = {
    all: summary(samples),
    block: summary(samples.filter((s) => s.kind === 'block')),
    allow: summary(samples.filter((s) => s.kind === 'allow')),
    samples,
  };
  writeFileSync(join(RESULTS, 'dataplane-latency.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(
    `\ndataplane: policy write -> enforcement on packets: ${report.all} (block: ${report.block}; allow: ${report.allow})\n`,
  );
}

interface ProbeLine {
  test: string;
  continuous?: boolean;
  connected?: boolean;
  evaluator?: boolean;
  leftOut?: string;
  /** A batch of left-out samples. */
  count?: number;
}

/**
 * How many probes the evaluator judged (and agreed with), how many it was not asked about and
 * why; written to test-results/dataplane-evaluator.json. The tests fail on a disagreement.
 */
function printVerdicts(): void {
  const file = join(RESULTS, 'dataplane-probes.jsonl');
  if (!existsSync(file)) return;
  const probes = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ProbeLine);
  const latency = join(RESULTS, 'dataplane-latency.jsonl');
  const transitions = existsSync(latency)
    ? readFileSync(latency, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { samples?: number })
        .reduce((sum, s) => sum + (s.samples ?? 0), 0)
    : 0;
  const count = (lines: ProbeLine[]) => {
    const compared = lines.filter((p) => p.evaluator !== undefined);
    const leftOut: Record<string, number> = {};
    for (const p of lines) if (p.leftOut) leftOut[p.leftOut] = (leftOut[p.leftOut] ?? 0) + (p.count ?? 1);
    return {
      probes: compared.length + Object.values(leftOut).reduce((a, b) => a + b, 0),
      compared: compared.length,
      agree: compared.filter((p) => p.evaluator === p.connected).length,
      disagree: compared.filter((p) => p.evaluator !== p.connected).map((p) => p.test),
      leftOut,
    };
  };
  const settled = count(probes.filter((p) => !p.continuous));
  const continuous = count(probes.filter((p) => p.continuous));
  if (transitions > 0) {
    continuous.leftOut[
      'continuous samples timing a policy write -> enforcement (a transition: timing, not judged)'
    ] = transitions;
    continuous.probes += transitions;
  }
  const report = { settled, continuous };
  writeFileSync(join(RESULTS, 'dataplane-evaluator.json'), `${JSON.stringify(report, null, 2)}\n`);
  const line = (what: string, c: typeof settled) =>
    `dataplane: ${what}: ${c.probes}; the evaluator judged ${c.compared}, agreeing on ${c.agree}` +
    (c.disagree.length > 0 ? `, DISAGREEING on ${c.disagree.length}` : '') +
    (Object.keys(c.leftOut).length > 0
      ? `; left out:\n${Object.entries(c.leftOut)
          .map(([reason, n]) => `  ${n}: ${reason}\n`)
          .join('')}`
      : '\n');
  process.stderr.write(
    line('settled probes (one observation per check)', settled) +
      line('continuous samples (a fresh connection every 5 ms)', continuous) +
      'dataplane: every probe in test-results/dataplane-probes.jsonl, the counts in dataplane-evaluator.json\n',
  );
}

export default async function globalTeardown(): Promise<void> {
  const stateDir = process.env.APPTRUST_DATAPLANE_STATE;
  const clusterDir = process.env.APPTRUST_DATAPLANE_CLUSTER_DIR;
  if (stateDir) await destroyDataplane(stateDir);
  if (clusterDir) await stopControlPlane(clusterDir);
  printLatency();
  printVerdicts();
}
