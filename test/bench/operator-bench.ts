// Benchmark: the operator against a real local control plane (part of make bench). Creates
// PROFILES profiles over NAMESPACES namespaces, starts the operator, and measures: time to converge
// (every profile Ready at its generation), writes, peak RSS, writes on a resync, profile update →
// Ready latency and namespace → baseline latency. Prints numbers and writes
// bench-results/operator.json for comparison across runs. Not a test: nothing asserts a time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { API_VERSION } from '../../src/api/v1alpha1/index.js';
import { BASELINE_POLICY_NAME } from '../../src/compiler/index.js';
import { parseOptions } from '../../src/config.js';
import { Operator } from '../../src/controller/operator.js';
import { namespaces, networkPolicy, profile, profiles } from '../../src/kube/paths.js';
import { KubeRest } from '../../src/kube/rest.js';
import { startControlPlane, stopControlPlane } from '../cluster/controlplane.js';
import { installProjectCrds } from '../cluster/crds.js';
import { REPO_ROOT } from '../cluster/repo.js';

const PROFILES = Number(process.env.BENCH_PROFILES ?? 1000);
const NAMESPACES = 20;
const SAMPLES = 20;

interface StoredProfile {
  metadata: { name: string; namespace: string; generation: number };
  status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string }> };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isReady = (p: StoredProfile) =>
  p.status?.observedGeneration === p.metadata.generation &&
  (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

function profileBody(i: number, port = 8080) {
  return {
    apiVersion: API_VERSION,
    kind: 'AppTrustProfile',
    metadata: { name: `p${i}`, namespace: `bench-${i % NAMESPACES}` },
    spec: {
      components: [
        { name: 'web', podSelector: { matchLabels: { app: `web-${i}` } } },
        { name: 'api', podSelector: { matchLabels: { app: `api-${i}` } } },
      ],
      allow: [
        { from: { namespace: 'ingress' }, to: { component: 'web' }, ports: [{ port: 443 }] },
        { from: { component: 'web' }, to: { component: 'api' }, ports: [{ port }] },
      ],
    },
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** Milliseconds until `probe` holds, polling every `everyMs`. */
async function timeUntil(
  probe: () => Promise<boolean>,
  everyMs: number,
  timeoutMs = 120_000,
): Promise<number> {
  const started = performance.now();
  while (!(await probe().catch(() => false))) {
    if (performance.now() - started > timeoutMs) throw new Error('benchmark step timed out');
    await sleep(everyMs);
  }
  return performance.now() - started;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number);
};

async function run(rest: KubeRest, kubeConfig: KubeConfig) {
  const ids = Array.from({ length: PROFILES }, (_, i) => i);
  for (let n = 0; n < NAMESPACES; n++)
    await rest.request({
      method: 'POST',
      path: namespaces(),
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${n}` } },
    });
  await inParallel(ids, 16, (i) =>
    rest.request({ method: 'POST', path: profiles(`bench-${i % NAMESPACES}`), body: profileBody(i) }),
  );

  const options = parseOptions(
    ['--leader-elect=false', '--metrics-bind-address=0', '--health-probe-bind-address=0'],
    {},
  );
  const operator = new Operator(kubeConfig, options, pino({ level: 'silent' }));
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    const started = performance.now();
    await operator.start();
    await timeUntil(async () => {
      const list = await rest.get<{ items: StoredProfile[] }>(profiles());
      return list.items.filter(isReady).length === PROFILES;
    }, 250);
    await operator.idle();
    const convergeMs = performance.now() - started;
    const convergeWrites = operator.writes;

    const beforeResync = operator.writes;
    operator.resyncAll();
    await sleep(500);
    await operator.idle();
    const resyncWrites = operator.writes - beforeResync;

    const updateMs: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const body = profileBody(i, 9000 + i);
      const current = await rest.get<StoredProfile & { metadata: { resourceVersion: string } }>(
        profile(body.metadata.namespace, body.metadata.name),
      );
      const updated = await rest.request<StoredProfile>({
        method: 'PUT',
        path: profile(body.metadata.namespace, body.metadata.name),
        body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata.resourceVersion } },
      });
      updateMs.push(
        await timeUntil(async () => {
          const p = await rest.get<StoredProfile>(profile(body.metadata.namespace, body.metadata.name));
          return isReady(p) && p.metadata.generation === updated.metadata.generation;
        }, 2),
      );
    }

    const baselineMs: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const name = `bench-new-${i}`;
      await rest.request({
        method: 'POST',
        path: namespaces(),
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      });
      baselineMs.push(
        await timeUntil(async () => Boolean(await rest.get(networkPolicy(name, BASELINE_POLICY_NAME))), 2),
      );
    }

    return {
      profiles: PROFILES,
      namespaces: NAMESPACES,
      convergeMs: Math.round(convergeMs),
      convergeWrites,
      resyncWrites,
      peakRssMb: Math.round(peakRss / 1024 / 1024),
      updateToReadyMs: {
        median: percentile(updateMs, 50),
        p95: percentile(updateMs, 95),
        max: percentile(updateMs, 100),
      },
      namespaceToBaselineMs: {
        median: percentile(baselineMs, 50),
        p95: percentile(baselineMs, 95),
        max: percentile(baselineMs, 100),
      },
    };
  } finally {
    clearInterval(sampler);
    await operator.stop();
  }
}

const dir = join(REPO_ROOT, '.cache', 'bench-cluster');
const cp = await startControlPlane(dir, { beforeControllers: installProjectCrds });
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(cp.kubeconfig);
const rest = new KubeRest(kubeConfig);
try {
  const result = {
    ...(await run(rest, kubeConfig)),
    node: process.version,
    cpus: cpus().length,
    date: new Date().toISOString(),
  };
  mkdirSync(join(REPO_ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'bench-results', 'operator.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `operator, ${result.profiles} profiles in ${result.namespaces} namespaces: converged in ${result.convergeMs} ms ` +
      `with ${result.convergeWrites} writes, peak RSS ${result.peakRssMb} MB, resync writes ${result.resyncWrites}\n` +
      `update -> Ready: median ${result.updateToReadyMs.median} ms, p95 ${result.updateToReadyMs.p95} ms; ` +
      `namespace -> baseline: median ${result.namespaceToBaselineMs.median} ms, p95 ${result.namespaceToBaselineMs.p95} ms\n` +
      'wrote bench-results/operator.json',
  );
} finally {
  rest.close();
  await stopControlPlane(dir);
}
