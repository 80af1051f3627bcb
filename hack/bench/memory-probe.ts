// Loaded into the operator's process (node --import) by the memory benchmark only, never in
// production: on SIGUSR2 it writes probe-<n>.json to BENCH_PROBE_DIR with process.memoryUsage()
// and V8's heap statistics, before and after a full GC (with --expose-gc), and then a heap
// snapshot heap-<n>.heapsnapshot. A signal rather than the inspector: an attached inspector keeps
// more memory alive and would distort what it measures.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';

const dir = process.env.BENCH_PROBE_DIR ?? '.';
let probes = 0;

function usage() {
  const m = process.memoryUsage();
  const heap = v8.getHeapStatistics();
  const code = v8.getHeapCodeStatistics();
  const activeResources: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) activeResources[r] = (activeResources[r] ?? 0) + 1;
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    mallocedMemory: heap.malloced_memory,
    codeAndMetadata: code.code_and_metadata_size + code.bytecode_and_metadata_size,
    spaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size])),
    activeResources,
  };
}

process.on('SIGUSR2', () => {
  const id = probes++;
  const before = usage();
  (globalThis as { gc?: () => void }).gc?.();
  const afterGc = usage();
  const snapshot =
    process.env.BENCH_PROBE_SNAPSHOT === '0' ? undefined : join(dir, `heap-${id}.heapsnapshot`);
  if (snapshot) v8.writeHeapSnapshot(snapshot);
  const file = join(dir, `probe-${id}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify({ before, afterGc, snapshot }));
  renameSync(`${file}.tmp`, file);
});
