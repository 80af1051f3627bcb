// Tears the dataplane and its control plane down, and prints the policy write -> enforcement
// latency the tests measured on packets (median, worst): printed, never asserted.
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
  const probes = join(RESULTS, 'dataplane-probes.jsonl');
  if (existsSync(probes))
    process.stderr.write(
      `dataplane: ${readFileSync(probes, 'utf8').split('\n').filter(Boolean).length} probes on packets recorded in test-results/dataplane-probes.jsonl\n`,
    );
}

export default async function globalTeardown(): Promise<void> {
  const stateDir = process.env.APPTRUST_DATAPLANE_STATE;
  const clusterDir = process.env.APPTRUST_DATAPLANE_CLUSTER_DIR;
  if (stateDir) await destroyDataplane(stateDir);
  if (clusterDir) await stopControlPlane(clusterDir);
  printLatency();
}
