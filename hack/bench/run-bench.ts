// `make bench`: the operator against a floor, side by side on one local control plane. A bare
// client that makes exactly the operator's writes at its best concurrency (found by a short
// sweep) and the operator itself (node dist/main.js) run alternately on identical starting states
// (the control plane is restored from an etcd copy before each run), in BENCH_PAIRS pairs. Prints
// floor, operator and operator ÷ floor (min / median / max over pairs) and the RSS floor, and
// writes everything to bench-results/bench-<profiles>.json. Not a test: nothing asserts a time.
//
// Environment: BENCH_SCALE (1000; 5000 = 5,000 profiles in 5,000 namespaces), BENCH_PAIRS (3),
// BENCH_QUIET_S (quiet period per run), BENCH_FLOOR_CONCURRENCY (skip the sweep), BENCH_SWEEP
// (concurrencies tried, "8,16,32,64"; at 5,000 the last 1,000 run's choice is reused), BENCH_CHANGES and BENCH_NEW_NAMESPACES (latency samples),
// BENCH_RESYNC (1: count a periodic resync after the restart too; default 1 below 5,000),
// BENCH_OPERATOR_ARGS / BENCH_OPERATOR_NODE_FLAGS (extra operator / node flags, space separated).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../../src/kube/rest.js';
import { startControlPlane, stopControlPlane } from '../../test/cluster/controlplane.js';
import { installProjectCrds } from '../../test/cluster/crds.js';
import { REPO_ROOT } from '../../test/cluster/repo.js';
import { ClusterReset, waitServed } from './cluster-reset.js';
import { type MeasureContext, measureColdStart, measureSide, type SideRun } from './measure-side.js';
import { measureMemoryFloor } from './memory-floor.js';
import { loadAverage } from './proc-stats.js';
import { markdownTable, memoryRows, memoryTable, type Pair, rows } from './report.js';
import {
  IMAGE_NODE_FLAGS,
  type SideName,
  type SideProcess,
  type StartOptions,
  startFloor,
  startOperator,
  startRuntimeFloor,
} from './sides.js';
import { createWorkload, scaleFrom } from './workload.js';

const env = process.env;
const scale = scaleFrom(env);
const PAIRS = Number(env.BENCH_PAIRS ?? 3);
const QUIET_S = Number(env.BENCH_QUIET_S ?? (scale.profiles >= 5000 ? 10 : 30));
const SWEEP = (env.BENCH_SWEEP ?? '8,16,32,64').split(',').map(Number);
/** One periodic resync after the restart too (skipped by default at 5,000: it costs minutes here). */
const RESYNC = (env.BENCH_RESYNC ?? (scale.profiles >= 5000 ? '0' : '1')) === '1';
const samples = {
  profileChanges: Number(env.BENCH_CHANGES ?? 100),
  namespaces: Number(env.BENCH_NEW_NAMESPACES ?? 30),
};
const dir = join(REPO_ROOT, '.cache', 'bench-cluster');
const logs = join(dir, 'logs');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

function context(
  kubeconfig: string,
  kubeConfig: KubeConfig,
  side: SideName,
  tag: string,
  concurrency: number,
) {
  const rest = new KubeRest(kubeConfig);
  const started: SideProcess[] = [];
  const start = async (extra: Partial<StartOptions>) => {
    const options: StartOptions = {
      kubeconfig,
      logFile: join(logs, `${tag}-${side}-${started.length}.log`),
      floorConcurrency: concurrency,
      ...extra,
    };
    const proc = side === 'floor' ? startFloor(options) : await startOperator(options);
    started.push(proc);
    return proc;
  };
  /** Stops whatever this run started (a failed run included) and closes its connections. */
  const close = async () => {
    await Promise.all(started.map((p) => p.stop()));
    rest.close();
  };
  const ctx: MeasureContext = {
    rest,
    kubeConfig,
    scale,
    start,
    samples,
    quietSeconds: QUIET_S,
    resyncAfterRestart: RESYNC,
  };
  return { ctx, close };
}

async function sweep(reset: ClusterReset, kubeconfig: string, kubeConfig: KubeConfig) {
  const results: Array<{ concurrency: number; coldStartMs: number }> = [];
  for (const concurrency of SWEEP) {
    await reset.restore();
    const { ctx, close } = context(kubeconfig, kubeConfig, 'floor', `sweep-${concurrency}`, concurrency);
    try {
      const coldStartMs = await measureColdStart(ctx);
      results.push({ concurrency, coldStartMs });
      log(`floor sweep: concurrency ${concurrency}: ${Math.round(coldStartMs)} ms`);
    } finally {
      await close();
    }
  }
  const best = results.reduce((a, b) => (b.coldStartMs < a.coldStartMs ? b : a));
  return { results, best: best.concurrency };
}

/** BENCH_FLOOR_CONCURRENCY, or at 5,000 and more the one the last 1,000-profile run found. */
function floorConcurrencyGiven(): number | undefined {
  if (env.BENCH_FLOOR_CONCURRENCY) return Number(env.BENCH_FLOOR_CONCURRENCY);
  const earlier = join(REPO_ROOT, 'bench-results', 'bench-1000.json');
  if (scale.profiles < 5000 || env.BENCH_SWEEP || !existsSync(earlier)) return undefined;
  return (JSON.parse(readFileSync(earlier, 'utf8')) as { floorConcurrency: number }).floorConcurrency;
}

async function main() {
  const startedAt = Date.now();
  const loadAtStart = loadAverage();
  mkdirSync(logs, { recursive: true });
  log(`${scale.profiles} profiles in ${scale.profileNamespaces} namespaces (${scale.namespaces} namespaces)`);
  const cp = await startControlPlane(dir, { beforeControllers: installProjectCrds });
  mkdirSync(logs, { recursive: true }); // startControlPlane wipes dir
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(cp.kubeconfig);
    await waitServed(kubeConfig);

    log('memory floor: runtime (Node + client-node) and the operator with no objects');
    let emptyRuns = 0;
    const memory = await measureMemoryFloor(3, 5000, startRuntimeFloor, () =>
      startOperator({ kubeconfig: cp.kubeconfig, logFile: join(logs, `empty-operator-${emptyRuns++}.log`) }),
    );

    log('creating the starting objects');
    const setupRest = new KubeRest(kubeConfig);
    const setupStarted = performance.now();
    await createWorkload(setupRest, scale);
    setupRest.close();
    log(`created in ${Math.round(performance.now() - setupStarted)} ms; copying etcd`);
    const reset = new ClusterReset(dir, kubeConfig);
    await reset.snapshot();

    const fixed = floorConcurrencyGiven();
    const swept = fixed === undefined ? await sweep(reset, cp.kubeconfig, kubeConfig) : undefined;
    const concurrency = fixed ?? (swept?.best as number);
    log(`floor concurrency ${concurrency}`);

    const pairs: Pair[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const order: SideName[] = i % 2 === 0 ? ['floor', 'operator'] : ['operator', 'floor'];
      const runs: Partial<Record<SideName, SideRun>> = {};
      for (const side of order) {
        const resetStarted = performance.now();
        await reset.restore();
        log(
          `pair ${i + 1}/${PAIRS}: ${side} (control plane restored in ${Math.round(performance.now() - resetStarted)} ms)`,
        );
        const { ctx, close } = context(cp.kubeconfig, kubeConfig, side, `pair${i}`, concurrency);
        try {
          runs[side] = await measureSide(side, ctx);
          log(
            `  cold start ${Math.round(runs[side].coldStartMs)} ms, ${runs[side].coldWrites} writes, ` +
              `change p50 ${Math.round(runs[side].profileChangeMs.p50)} ms, RSS ${Math.round(runs[side].rssSettledMb)} MB`,
          );
        } finally {
          await close();
        }
      }
      pairs.push(runs as Pair);
    }

    const table = rows(pairs);
    const memorySummary = memoryRows(memory, pairs);
    const result = {
      scale,
      pairs: PAIRS,
      floorConcurrency: concurrency,
      sweep: swept?.results,
      quietSeconds: QUIET_S,
      resyncAfterRestart: RESYNC,
      samples,
      operatorArgs: env.BENCH_OPERATOR_ARGS ?? '',
      operatorNodeFlags: env.BENCH_OPERATOR_NODE_FLAGS ?? IMAGE_NODE_FLAGS,
      table,
      memory: { ...memorySummary, raw: memory },
      runs: pairs,
      machine: {
        node: process.version,
        cpus: cpus().length,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadAverage(),
      },
      date: new Date().toISOString(),
      durationS: Math.round((Date.now() - startedAt) / 1000),
    };
    mkdirSync(join(REPO_ROOT, 'bench-results'), { recursive: true });
    const file = join(REPO_ROOT, 'bench-results', `bench-${scale.profiles}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      `\n${scale.profiles.toLocaleString('en')} profiles, ${scale.namespaces.toLocaleString('en')} namespaces; ` +
        `${PAIRS} pairs, floor concurrency ${concurrency}; median (min–max); ` +
        `load average ${loadAtStart} → ${result.machine.loadAverageAtEnd} on ${result.machine.cpus} CPUs\n`,
    );
    console.log(markdownTable(table));
    console.log();
    console.log(memoryTable(memorySummary, scale.profiles));
    console.log(`\nwrote ${file} (${result.durationS} s)`);
  } finally {
    await stopControlPlane(dir);
  }
}

await main();
