// Benchmark: one Audit profile's evidence (the live flows enforcing would change) over a world of
// 400 and 2,000 workloads (hack/bench/audit-world.ts). Prints time, heap and the worst event-loop
// lag seen while it ran; writes bench-results/audit.json. Not a test: nothing asserts a time.
// Run: node --expose-gc dist-test/hack/bench/audit-bench.js [WORKLOADS...]
import { mkdirSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { renderProfile } from '../../src/compiler/index.js';
import { flowEvidence } from '../../src/controller/audit-evidence.js';
import { auditWorld } from './audit-world.js';

const AUDIT_NAMESPACE = 'ns0';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

async function measure(workloads: number) {
  const world = auditWorld(workloads);
  const rendered = renderProfile(world.audit, { defaultNamespace: AUDIT_NAMESPACE }).policies;
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const totalBefore = getHeapStatistics().total_heap_size;
  let peakHeap = heapBefore;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 5);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const started = process.hrtime.bigint();
  const evidence = await flowEvidence(world, AUDIT_NAMESPACE, new Set(), rendered);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  lag.disable();
  clearInterval(sampler);
  const result = {
    workloads,
    evaluationMs: Math.round(ms),
    heapUsedPeakMiB: +((peakHeap - heapBefore) / 2 ** 20).toFixed(1),
    heapTotalGrowthMiB: +((getHeapStatistics().total_heap_size - totalBefore) / 2 ** 20).toFixed(1),
    worstEventLoopLagMs: Math.round(Math.max(lag.max / 1e6, ms > 0 && lag.count === 0 ? ms : 0)),
    longestStretchMs: evidence.stats?.longestStretchMs,
    cellsJudged: evidence.stats?.judged,
    newlyDenied: evidence.newlyDenied,
    newlyAllowed: evidence.newlyAllowed,
    examples: evidence.examples ?? [],
    ...(evidence.limit ? { limit: evidence.limit } : {}),
  };
  gc();
  return result;
}

const sizes = process.argv.slice(2).map(Number);
const results = [];
for (const n of sizes.length > 0 ? sizes : [400, 2000]) {
  const r = await measure(n);
  console.log(JSON.stringify(r));
  results.push(r);
}
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  `bench-results/audit${process.env.AUDIT_BENCH_TAG ?? ''}.json`,
  `${JSON.stringify(results, null, 2)}\n`,
);
