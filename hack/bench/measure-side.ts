// One run of one side on a freshly restored control plane: cold start to all Ready, its writes
// and CPU; profile change → Ready and new namespace → baseline latencies with everything present;
// CPU, requests and RSS over a quiet period; then a restart (plus one full resync for the
// operator) with nothing to do, and the writes it made.

import { parseOptions } from '../../src/config.js';
import type { KubeAccess } from '../../src/kube/kube-access.js';
import type { KubeList, KubeObject } from '../../src/kube/objects.js';
import { namespaces, profile } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { difference, isWrite, type RequestCounts, requestCounts, total } from './apiserver-metrics.js';
import { wantsBaseline } from './baseline-scope.js';
import { Convergence } from './convergence.js';
import { cpuSeconds, peakRssBytes, rssBytes } from './proc-stats.js';
import type { SideName, SideProcess, StartOptions } from './sides.js';
import { percentile } from './stats.js';
import { profileBody, profileRef, type Scale } from './workload.js';

export interface SideRun {
  side: SideName;
  coldStartMs: number;
  coldWrites: number;
  coldEvents: number;
  coldRequests: RequestCounts;
  /** CPU when every profile is Ready and every baseline present: the cold start's own. */
  coldCpuSeconds: number;
  /**
   * CPU once the side is idle: the operator then has sent its Events (paced at 20/s, thousands at
   * 5,000 profiles) while the harness polled its /metrics every 200 ms. Absent in older results.
   */
  coldCpuUntilIdleSeconds?: number;
  profileChangeMs: { p50: number; p99: number; max: number };
  writesPerProfileChange: number;
  namespaceBaselineMs: { p50: number; p99: number; max: number };
  writesPerNamespace: number;
  quiet: { seconds: number; cpuPercent: number; requests: RequestCounts; requestsPerMinute: number };
  rssAfterColdMb: number;
  rssSettledMb: number;
  peakRssMb: number;
  restartWrites: number;
  restartRequests: RequestCounts;
}

export interface MeasureContext {
  rest: KubeRest;
  kubeConfig: KubeAccess;
  scale: Scale;
  start: (extra: Partial<StartOptions>) => Promise<SideProcess>;
  samples: { profileChanges: number; namespaces: number };
  quietSeconds: number;
  /** Also wait for one full periodic resync after the restart (the operator) before counting. */
  resyncAfterRestart: boolean;
  /** Restart with nothing to do and count its writes (skipped by default at 20,000: minutes here). */
  restart: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;
const isEvent = (key: string) => key.endsWith(' events');

async function expectedBaselines(rest: KubeRest): Promise<number> {
  const options = parseOptions([], {});
  const list = await rest.get<KubeList<KubeObject>>(namespaces());
  return list.items.filter((ns) => wantsBaseline(ns, options)).length;
}

/** Cold start: spawn → every profile Ready and every baseline in place. */
async function coldStart(ctx: MeasureContext, convergence: Convergence) {
  const baselines = await expectedBaselines(ctx.rest);
  const before = await requestCounts(ctx.kubeConfig);
  const started = performance.now();
  const proc = await ctx.start({});
  const readyAt = await convergence.allReady(
    ctx.scale.profiles,
    baselines,
    120_000 + ctx.scale.profiles * 60,
  );
  const cpuAtReady = cpuSeconds(proc.pid);
  await proc.idle();
  await sleep(300); // an Event posted without waiting may still be on its way
  const requests = difference(before, await requestCounts(ctx.kubeConfig));
  return {
    proc,
    coldStartMs: readyAt - started,
    coldRequests: requests,
    coldWrites: total(requests, isWrite),
    coldEvents: total(requests, (k) => isWrite(k) && isEvent(k)),
    coldCpuSeconds: cpuAtReady,
    coldCpuUntilIdleSeconds: cpuSeconds(proc.pid),
    rssAfterColdMb: rssBytes(proc.pid) / MB,
  };
}

async function profileChanges(ctx: MeasureContext, convergence: Convergence) {
  const { scale } = ctx;
  const latencies: number[] = [];
  const before = await requestCounts(ctx.kubeConfig);
  for (let i = 0; i < ctx.samples.profileChanges; i++) {
    const index = Math.floor((i * scale.profiles) / ctx.samples.profileChanges);
    const ref = profileRef(index, scale);
    const current = await ctx.rest.get<{ metadata: { resourceVersion: string } }>(
      profile(ref.namespace, ref.name),
    );
    const body = profileBody(index, scale, 9000 + i);
    const started = performance.now();
    const updated = await ctx.rest.request<{ metadata: { generation: number } }>({
      method: 'PUT',
      path: profile(ref.namespace, ref.name),
      body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata.resourceVersion } },
    });
    const at = await convergence.profileReady(`${ref.namespace}/${ref.name}`, updated.metadata.generation);
    latencies.push(at - started);
  }
  await sleep(300);
  const requests = difference(before, await requestCounts(ctx.kubeConfig));
  // The harness's own profile PUTs are not the side's writes.
  const writes = total(requests, (k) => isWrite(k) && k !== 'PUT apptrustprofiles');
  return { latencies, writesPerChange: writes / ctx.samples.profileChanges };
}

async function newNamespaces(ctx: MeasureContext, convergence: Convergence) {
  const latencies: number[] = [];
  const before = await requestCounts(ctx.kubeConfig);
  for (let i = 0; i < ctx.samples.namespaces; i++) {
    const name = `bench-new-${i}`;
    const started = performance.now();
    await ctx.rest.request({
      method: 'POST',
      path: namespaces(),
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    });
    latencies.push((await convergence.baseline(name)) - started);
  }
  await sleep(300);
  const requests = difference(before, await requestCounts(ctx.kubeConfig));
  const writes = total(requests, (k) => isWrite(k) && k !== 'POST namespaces');
  return { latencies, writesPerNamespace: writes / ctx.samples.namespaces };
}

async function quietPeriod(ctx: MeasureContext, proc: SideProcess) {
  await sleep(2000);
  const [cpu0, before] = [cpuSeconds(proc.pid), await requestCounts(ctx.kubeConfig)];
  await sleep(ctx.quietSeconds * 1000);
  const [cpu1, after] = [cpuSeconds(proc.pid), await requestCounts(ctx.kubeConfig)];
  const requests = difference(before, after);
  return {
    seconds: ctx.quietSeconds,
    cpuPercent: ((cpu1 - cpu0) / ctx.quietSeconds) * 100,
    requests,
    requestsPerMinute: (total(requests) / ctx.quietSeconds) * 60,
  };
}

/** Restart with nothing to do (and, if asked, one full periodic resync) before we count. */
async function restart(ctx: MeasureContext, proc: SideProcess) {
  await proc.stop();
  const before = await requestCounts(ctx.kubeConfig);
  const again = await ctx.start(ctx.resyncAfterRestart ? { operatorArgs: ['--resync-period=3'] } : {});
  await again.idle().catch(() => undefined);
  // The operator counts a reconcile per profile on start and per resync: wait for them.
  const rounds = ctx.resyncAfterRestart ? 2 : 1;
  const deadline = Date.now() + 120_000 + ctx.scale.profiles * 60;
  for (;;) {
    const done = await again.profileReconciles();
    if (done === undefined || done >= rounds * ctx.scale.profiles) break;
    if (Date.now() > deadline) throw new Error(`restart: only ${done} profile reconciles`);
    await sleep(200);
  }
  await sleep(300);
  const requests = difference(before, await requestCounts(ctx.kubeConfig));
  await again.stop();
  return { restartRequests: requests, restartWrites: total(requests, isWrite) };
}

export async function measureSide(side: SideName, ctx: MeasureContext): Promise<SideRun> {
  const convergence = await Convergence.start(ctx.rest, ctx.kubeConfig);
  try {
    const cold = await coldStart(ctx, convergence);
    const changes = await profileChanges(ctx, convergence);
    const created = await newNamespaces(ctx, convergence);
    const quiet = await quietPeriod(ctx, cold.proc);
    const rssSettledMb = rssBytes(cold.proc.pid) / MB;
    const peakRssMb = peakRssBytes(cold.proc.pid) / MB;
    const restarted = ctx.restart
      ? await restart(ctx, cold.proc)
      : await cold.proc.stop().then(() => ({ restartRequests: {}, restartWrites: Number.NaN }));
    const latency = (values: number[]) => ({
      p50: percentile(values, 50),
      p99: percentile(values, 99),
      max: percentile(values, 100),
    });
    return {
      side,
      coldStartMs: cold.coldStartMs,
      coldWrites: cold.coldWrites,
      coldEvents: cold.coldEvents,
      coldRequests: cold.coldRequests,
      coldCpuSeconds: cold.coldCpuSeconds,
      coldCpuUntilIdleSeconds: cold.coldCpuUntilIdleSeconds,
      profileChangeMs: latency(changes.latencies),
      writesPerProfileChange: changes.writesPerChange,
      namespaceBaselineMs: latency(created.latencies),
      writesPerNamespace: created.writesPerNamespace,
      quiet,
      rssAfterColdMb: cold.rssAfterColdMb,
      rssSettledMb,
      peakRssMb,
      ...restarted,
    };
  } finally {
    convergence.stop();
  }
}

/**
 * The writes-only floor's cold start: the floor process has listed and rendered already; the clock
 * runs from its "go" to every profile Ready and every baseline present.
 */
export async function measureWritesOnlyColdStart(ctx: MeasureContext): Promise<number> {
  const convergence = await Convergence.start(ctx.rest, ctx.kubeConfig);
  try {
    const baselines = await expectedBaselines(ctx.rest);
    const proc = await ctx.start({ prerendered: true });
    await proc.prepared?.();
    const started = performance.now();
    proc.go?.();
    const readyAt = await convergence.allReady(
      ctx.scale.profiles,
      baselines,
      120_000 + ctx.scale.profiles * 60,
    );
    await proc.stop();
    return readyAt - started;
  } finally {
    convergence.stop();
  }
}

/** Cold start only (the floor's concurrency sweep). */
export async function measureColdStart(ctx: MeasureContext): Promise<number> {
  const convergence = await Convergence.start(ctx.rest, ctx.kubeConfig);
  try {
    const cold = await coldStart(ctx, convergence);
    await cold.proc.stop();
    return cold.coldStartMs;
  } finally {
    convergence.stop();
  }
}
