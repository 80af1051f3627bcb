// Where a heap snapshot's bytes are: every reachable node is charged to the nearest dominating
// owner we can name (an informer's cache per resource, the event recorder, the metrics registry,
// the work queues, the REST client, sockets, watch streams) or, failing that, to its kind (code,
// strings, other). Plus managedFields across all caches. Usage:
//   node dist-test/hack/bench/heap-breakdown.js file.heapsnapshot [more...]
import { HeapGraph } from './heap-graph.js';

export interface Category {
  name: string;
  bytes: number;
  strings: number;
  objects: number;
  arrays: number;
  code: number;
  other: number;
  instances: number;
}

export interface Breakdown {
  file: string;
  totalBytes: number;
  categories: Category[];
  managedFieldsBytes: number;
  /** Largest (type, name) groups by self size. */
  topSelf: Array<{ type: string; name: string; count: number; bytes: number }>;
}

/** Constructor name → owner label; informers are labelled by the resource they cache. */
const OWNERS: Record<string, string> = {
  EventRecorder: 'event recorder (dedupe map)',
  OperatorMetrics: 'metrics registry',
  Registry: 'metrics registry',
  WorkQueue: 'work queues',
  KubeRest: 'REST client (keep-alive agent)',
  Agent: 'REST client (keep-alive agent)',
  TLSSocket: 'sockets (TLS)',
  Socket: 'sockets (TLS)',
  Watch: 'watch streams',
  ReadableStream: 'watch streams',
  Response: 'watch streams',
  IncomingMessage: 'watch streams',
  LeaderElector: 'leader elector',
};

const EMPTY = { bytes: 0, strings: 0, objects: 0, arrays: 0, code: 0, other: 0 };
const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

function kindOf(type: string): keyof Pick<Category, 'strings' | 'objects' | 'arrays' | 'code' | 'other'> {
  if (STRING_TYPES.has(type)) return 'strings';
  if (type === 'object' || type === 'object shape') return 'objects';
  if (type === 'array') return 'arrays';
  if (type === 'code' || type === 'closure') return 'code';
  return 'other';
}

/** A string this large is a module's source text (no cached object holds one). */
const SOURCE_TEXT_BYTES = 64 * 1024;

function ownerOf(g: HeapGraph, node: number): string | undefined {
  const type = g.typeOf(node);
  if (type === 'code' && /^(file|node):/.test(g.nameOf(node))) return 'loaded modules (scripts)';
  if (type === 'string' && (g.selfSize[node] as number) >= SOURCE_TEXT_BYTES)
    return 'loaded modules (scripts)';
  if (type !== 'object') return undefined;
  const name = g.nameOf(node);
  if (name === 'Informer') {
    const options = g.child(node, 'options');
    const path = options === undefined ? undefined : g.child(options, 'path');
    const resource = path === undefined ? '?' : (g.stringValue(path).split('/').pop() as string);
    return `informer cache: ${resource}`;
  }
  return OWNERS[name];
}

/** Each reachable node's owner label index (-1: none), charged to its nearest named dominator. */
function chargeToOwners(g: HeapGraph, labels: string[], instances: Map<string, number>): Int32Array {
  const n = g.nodeCount;
  const labelIndex = new Map<string, number>();
  const category = new Int32Array(n).fill(-2); // -2: not yet known
  for (let node = 0; node < n; node++) {
    const owner = g.idom[node] === -1 ? undefined : ownerOf(g, node);
    if (owner === undefined) continue;
    if (!labelIndex.has(owner)) labelIndex.set(owner, labels.push(owner) - 1);
    category[node] = labelIndex.get(owner) as number;
    instances.set(owner, (instances.get(owner) ?? 0) + 1);
  }
  if (category[0] === -2) category[0] = -1;
  const chain: number[] = [];
  for (let node = 0; node < n; node++) {
    if (g.idom[node] === -1) continue;
    let at = node;
    while (category[at] === -2) {
      chain.push(at);
      at = g.idom[at] as number;
    }
    for (const c of chain) category[c] = category[at] as number;
    chain.length = 0;
  }
  return category;
}

/** Sum of the retained sizes of every managedFields value its parent alone holds. */
function managedFieldsBytes(g: HeapGraph): number {
  let bytes = 0;
  for (let node = 0; node < g.nodeCount; node++) {
    if (g.idom[node] === -1) continue;
    for (let e = g.firstEdge[node] as number; e < (g.firstEdge[node + 1] as number); e++) {
      const to = g.edgeTo[e] as number;
      if (g.idom[to] === node && g.edgeNameOf(e) === 'managedFields') bytes += g.retained[to] as number;
    }
  }
  return bytes;
}

export function breakdown(file: string): Breakdown {
  const g = new HeapGraph(file);
  const labels: string[] = [];
  const instances = new Map<string, number>();
  const category = chargeToOwners(g, labels, instances);
  const byName = new Map<string, Category>();
  const groups = new Map<string, { type: string; name: string; count: number; bytes: number }>();
  let totalBytes = 0;
  for (let node = 0; node < g.nodeCount; node++) {
    if (g.idom[node] === -1) continue;
    const size = g.selfSize[node] as number;
    totalBytes += size;
    const type = g.typeOf(node);
    const kind = kindOf(type);
    const c = category[node] as number;
    const name = c >= 0 ? (labels[c] as string) : `unowned ${kind}`;
    const cat = byName.get(name) ?? { ...EMPTY, name, instances: instances.get(name) ?? 0 };
    byName.set(name, cat);
    cat.bytes += size;
    cat[kind] += size;
    const groupName = STRING_TYPES.has(type) ? '(strings)' : g.nameOf(node).slice(0, 60);
    const key = `${type}\u0000${groupName}`;
    const group = groups.get(key) ?? { type, name: groupName, count: 0, bytes: 0 };
    groups.set(key, group);
    group.count++;
    group.bytes += size;
  }
  return {
    file,
    totalBytes,
    categories: [...byName.values()].sort((a, b) => b.bytes - a.bytes),
    managedFieldsBytes: managedFieldsBytes(g),
    topSelf: [...groups.values()].sort((a, b) => b.bytes - a.bytes).slice(0, 25),
  };
}

const MB = (b: number) => (b / 1024 / 1024).toFixed(2);

export function formatBreakdown(b: Breakdown): string {
  const lines = [
    `${b.file}: ${MB(b.totalBytes)} MB reachable; managedFields ${MB(b.managedFieldsBytes)} MB`,
    '| owner | MB | strings | objects | arrays | code | other | instances |',
    '|---|---|---|---|---|---|---|---|',
    ...b.categories.map(
      (c) =>
        `| ${c.name} | ${MB(c.bytes)} | ${MB(c.strings)} | ${MB(c.objects)} | ${MB(c.arrays)} | ${MB(c.code)} | ${MB(c.other)} | ${c.instances || ''} |`,
    ),
    '',
    'largest groups by self size:',
    ...b.topSelf.map(
      (t) => `  ${MB(t.bytes).padStart(7)} MB  ${String(t.count).padStart(8)} × ${t.type} ${t.name}`,
    ),
  ];
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('heap-breakdown.js'))
  for (const file of process.argv.slice(2)) console.log(`${formatBreakdown(breakdown(file))}\n`);
