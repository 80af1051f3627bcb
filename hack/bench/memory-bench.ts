// `make bench-memory`: where the operator's memory goes. At each stage — no objects, 1,000
// profiles (20 namespaces), 5,000 profiles (15,000 policies, 5,000 namespaces) — a fresh operator
// process (node dist/main.js) converges, settles, and is measured: RSS by mapping (/proc smaps),
// V8 heap and external memory before and after a full GC, a heap snapshot broken down by owner
// (heap-breakdown.ts), and the JSON its caches must hold with and without managedFields. The
// probe (memory-probe.js, loaded with --import) answers SIGUSR2; nothing is attached in between,
// and every stage is a new process, so one stage's snapshot cannot inflate the next one's RSS.
// Writes bench-results/memory.json; snapshots stay in .cache/bench-heap/. BENCH_MEMORY_STAGES
// (default "0,1000,5000") picks the stages; BENCH_NODE_FLAGS adds flags to the operator's node
// (e.g. "--max-semi-space-size=1"); the operator inherits the environment (e.g. MALLOC_ARENA_MAX).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseOptions } from '../../src/config.js';
import type { KubeList, KubeObject } from '../../src/kube/objects.js';
import { namespaces, networkPolicies, profiles } from '../../src/kube/paths.js';
import { KubeRest } from '../../src/kube/rest.js';
import { startControlPlane, stopControlPlane } from '../../test/cluster/controlplane.js';
import { installProjectCrds } from '../../test/cluster/crds.js';
import { REPO_ROOT } from '../../test/cluster/repo.js';
import { wantsBaseline } from './baseline-scope.js';
import { waitServed } from './cluster-reset.js';
import { Convergence } from './convergence.js';
import { type Breakdown, breakdown, formatBreakdown } from './heap-breakdown.js';
import { mb, residentByMapping, rssBytes } from './proc-stats.js';
import { startOperator, startRuntimeFloor } from './sides.js';
import { round } from './stats.js';
import { inParallel, namespaceName, profileBody, type Scale } from './workload.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`bench-memory: ${line}\n`);
const STAGES = (process.env.BENCH_MEMORY_STAGES ?? '0,1000,5000').split(',').map(Number);
const LAYOUT: Scale = { profiles: 5000, profileNamespaces: 100, namespaces: 5000 };
/** Stage n's profiles: the 1,000-profile benchmark's layout first (20 namespaces), then 100. */
const namespaceOf = (i: number) => namespaceName(i < 1000 ? i % 20 : i % 100);

interface Usage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  mallocedMemory: number;
  codeAndMetadata: number;
  spaces: Record<string, number>;
  activeResources: Record<string, number>;
}

/** Bytes of JSON the caches must hold (what the API server sends), with and without managedFields. */
async function cachedJson(rest: KubeRest) {
  const selector = 'app.kubernetes.io/managed-by=apptrust-operator';
  const lists = {
    profiles: await rest.get<KubeList<KubeObject>>(profiles()),
    policies: await rest.get<KubeList<KubeObject>>(networkPolicies(), { labelSelector: selector }),
    namespaces: await rest.get<KubeList<KubeObject>>(namespaces()),
  };
  const sizes: Record<string, { objects: number; jsonMb: number; withoutManagedFieldsMb: number }> = {};
  for (const [name, list] of Object.entries(lists)) {
    const full = list.items.reduce((sum, o) => sum + JSON.stringify(o).length, 0);
    const stripped = list.items.reduce((sum, o) => {
      const { managedFields: _m, ...metadata } = o.metadata as KubeObject['metadata'] & {
        managedFields?: unknown;
      };
      return sum + JSON.stringify({ ...o, metadata }).length;
    }, 0);
    sizes[name] = { objects: list.items.length, jsonMb: mb(full), withoutManagedFieldsMb: mb(stripped) };
  }
  return sizes;
}

async function grow(rest: KubeRest, from: number, to: number, namespaceCount: number): Promise<void> {
  const existing = new Set(
    (await rest.get<KubeList<KubeObject>>(namespaces())).items.map((n) => n.metadata.name),
  );
  const wanted = Array.from({ length: namespaceCount }, (_, i) => namespaceName(i)).filter(
    (n) => !existing.has(n),
  );
  await inParallel(wanted, 32, (name) =>
    rest.request({
      method: 'POST',
      path: namespaces(),
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    }),
  );
  const ids = Array.from({ length: to - from }, (_, k) => from + k);
  await inParallel(ids, 32, (i) => {
    const body = profileBody(i, LAYOUT);
    const namespace = namespaceOf(i);
    return rest.request({
      method: 'POST',
      path: profiles(namespace),
      body: { ...body, metadata: { ...body.metadata, namespace } },
    });
  });
}

async function expectedBaselines(rest: KubeRest): Promise<number> {
  const o = parseOptions([], {});
  return (await rest.get<KubeList<KubeObject>>(namespaces())).items.filter((ns) => wantsBaseline(ns, o))
    .length;
}

interface Probe {
  before: Usage;
  afterGc: Usage;
  snapshot?: string;
}

/** Signals the probe in `pid` and waits for its answer. */
async function probe(pid: number, dir: string, id: number): Promise<Probe> {
  const file = join(dir, `probe-${id}.json`);
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 300_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`no answer from the memory probe (${file})`);
    await sleep(200);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Probe;
}

async function measureStage(
  stage: number,
  rest: KubeRest,
  kubeConfig: KubeConfig,
  kubeconfig: string,
  dir: string,
) {
  const probeDir = join(REPO_ROOT, '.cache', 'bench-heap', `stage-${stage}`);
  rmSync(probeDir, { recursive: true, force: true });
  mkdirSync(probeDir, { recursive: true });
  const convergence = await Convergence.start(rest, kubeConfig);
  const started = performance.now();
  const operator = await startOperator({
    kubeconfig,
    logFile: join(dir, `operator-${stage}.log`),
    nodeArgs: [
      '--expose-gc',
      '--import',
      join(REPO_ROOT, 'dist-test', 'hack', 'bench', 'memory-probe.js'),
      ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
    env: { BENCH_PROBE_DIR: probeDir },
  });
  try {
    await convergence.allReady(stage, await expectedBaselines(rest), 900_000);
    const convergedMs = performance.now() - started;
    await operator.idle();
    await sleep(5000);
    const rss = mb(rssBytes(operator.pid));
    const mappings = residentByMapping(operator.pid);
    const answer = await probe(operator.pid, probeDir, 0);
    const json = await cachedJson(rest);
    const heap = answer.snapshot ? breakdown(answer.snapshot) : undefined;
    return {
      profiles: stage,
      convergedMs: Math.round(convergedMs),
      rssMb: rss,
      mappings,
      ...answer,
      cachedJson: json,
      heap,
    };
  } finally {
    convergence.stop();
    await operator.stop();
  }
}

async function main() {
  const dir = join(REPO_ROOT, '.cache', 'bench-memory-cluster');
  const runtime = await startRuntimeFloor();
  await sleep(3000);
  const runtimeFloor = { rssMb: mb(rssBytes(runtime.pid)), mappings: residentByMapping(runtime.pid) };
  await runtime.stop();

  const cp = await startControlPlane(dir, { beforeControllers: installProjectCrds });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cp.kubeconfig);
  await waitServed(kubeConfig);
  const rest = new KubeRest(kubeConfig);
  const stages: Array<Awaited<ReturnType<typeof measureStage>>> = [];
  try {
    let created = 0;
    for (const stage of STAGES) {
      await grow(rest, created, stage, stage >= 5000 ? 5000 : stage > 0 ? 20 : 0);
      created = stage;
      const measured = await measureStage(stage, rest, kubeConfig, cp.kubeconfig, dir);
      stages.push(measured);
      log(
        `${stage} profiles: RSS ${measured.rssMb} MB, heap used ${mb(measured.before.heapUsed)} → ${mb(measured.afterGc.heapUsed)} MB after GC`,
      );
      if (measured.heap) console.log(`${formatBreakdown(measured.heap)}\n`);
    }
  } finally {
    rest.close();
    await stopControlPlane(dir);
  }
  mkdirSync(join(REPO_ROOT, 'bench-results'), { recursive: true });
  const file = join(REPO_ROOT, 'bench-results', 'memory.json');
  writeFileSync(
    file,
    `${JSON.stringify({ runtimeFloor, stages, date: new Date().toISOString() }, null, 2)}\n`,
  );
  console.log(memorySummary(runtimeFloor, stages));
  console.log(`wrote ${file}`);
}

function memorySummary(
  runtimeFloor: { rssMb: number; mappings: ReturnType<typeof residentByMapping> },
  stages: Array<Awaited<ReturnType<typeof measureStage>>>,
): string {
  const row = (
    label: string,
    rss: number,
    m: ReturnType<typeof residentByMapping>,
    u?: Usage,
    g?: Usage,
    h?: Breakdown,
  ) =>
    `| ${label} | ${rss} | ${round(m.binaryMb + m.libsMb, 1)} | ${m.brkMb} | ${m.anonMb} | ${u ? mb(u.heapTotal) : ''} | ${u ? mb(u.heapUsed) : ''} | ${g ? mb(g.heapUsed) : ''} | ${u ? mb(u.external) : ''} | ${h ? mb(h.managedFieldsBytes) : ''} |`;
  return [
    '| process | RSS MB | node + libs (file) | malloc [heap] | anon (V8 heap, arenas) | heap total | heap used | used after GC | external | managedFields in heap |',
    '|---|---|---|---|---|---|---|---|---|---|',
    row('runtime floor (Node + client-node)', runtimeFloor.rssMb, runtimeFloor.mappings),
    ...stages.map((s) =>
      row(`operator, ${s.profiles} profiles`, s.rssMb, s.mappings, s.before, s.afterGc, s.heap),
    ),
  ].join('\n');
}

await main();
