// A V8 heap snapshot (.heapsnapshot) as typed arrays, with each node's immediate dominator and
// retained size (Cooper–Harvey–Kennedy over a depth-first post-order; weak edges ignored, as
// DevTools does). Retained size = what would be freed if the node went away.
import { readFileSync } from 'node:fs';

interface RawSnapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
    node_count: number;
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export class HeapGraph {
  readonly nodeCount: number;
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];
  readonly strings: string[];
  readonly type: Uint8Array;
  readonly name: Uint32Array;
  readonly selfSize: Float64Array;
  /** Edges of node n are firstEdge[n] .. firstEdge[n + 1] - 1. */
  readonly firstEdge: Uint32Array;
  readonly edgeType: Uint8Array;
  readonly edgeName: Uint32Array;
  readonly edgeTo: Uint32Array;
  /** Immediate dominator (node index), -1 when unreachable; the root dominates itself. */
  readonly idom: Int32Array;
  readonly retained: Float64Array;

  constructor(file: string) {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
    const meta = raw.snapshot.meta;
    const nf = meta.node_fields.length;
    const ef = meta.edge_fields.length;
    const [nType, nName, nSize, nEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
      meta.node_fields.indexOf(f),
    ) as [number, number, number, number];
    const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) =>
      meta.edge_fields.indexOf(f),
    ) as [number, number, number];
    this.nodeTypes = meta.node_types[0];
    this.edgeTypes = meta.edge_types[0];
    this.strings = raw.strings;
    const n = raw.nodes.length / nf;
    this.nodeCount = n;
    this.type = new Uint8Array(n);
    this.name = new Uint32Array(n);
    this.selfSize = new Float64Array(n);
    this.firstEdge = new Uint32Array(n + 1);
    let edgeIndex = 0;
    for (let i = 0; i < n; i++) {
      const base = i * nf;
      this.type[i] = raw.nodes[base + nType] as number;
      this.name[i] = raw.nodes[base + nName] as number;
      this.selfSize[i] = raw.nodes[base + nSize] as number;
      this.firstEdge[i] = edgeIndex;
      edgeIndex += raw.nodes[base + nEdges] as number;
    }
    this.firstEdge[n] = edgeIndex;
    const m = raw.edges.length / ef;
    this.edgeType = new Uint8Array(m);
    this.edgeName = new Uint32Array(m);
    this.edgeTo = new Uint32Array(m);
    for (let e = 0; e < m; e++) {
      const base = e * ef;
      this.edgeType[e] = raw.edges[base + eType] as number;
      this.edgeName[e] = raw.edges[base + eName] as number;
      this.edgeTo[e] = (raw.edges[base + eTo] as number) / nf;
    }
    const { idom, retained } = this.dominators();
    this.idom = idom;
    this.retained = retained;
  }

  typeOf(node: number): string {
    return this.nodeTypes[this.type[node] as number] as string;
  }

  nameOf(node: number): string {
    return this.strings[this.name[node] as number] as string;
  }

  /** A string node's value, joining the parts of a concatenated string. */
  stringValue(node: number, depth = 0): string {
    const type = this.typeOf(node);
    if (type !== 'concatenated string' || depth > 20) return this.nameOf(node);
    const [first, second] = [this.child(node, 'first'), this.child(node, 'second')];
    if (first === undefined || second === undefined) return this.nameOf(node);
    return this.stringValue(first, depth + 1) + this.stringValue(second, depth + 1);
  }

  /** The property name of edge e ('' for element and hidden edges, whose name is an index). */
  edgeNameOf(e: number): string {
    const t = this.edgeTypes[this.edgeType[e] as number];
    return t === 'element' || t === 'hidden' ? '' : (this.strings[this.edgeName[e] as number] as string);
  }

  /** Target of `node`'s property edge `property`, if any. */
  child(node: number, property: string): number | undefined {
    for (let e = this.firstEdge[node] as number; e < (this.firstEdge[node + 1] as number); e++)
      if (this.edgeNameOf(e) === property) return this.edgeTo[e];
    return undefined;
  }

  private dominators(): { idom: Int32Array; retained: Float64Array } {
    const { post, order, count } = this.postOrder();
    const { predStart, preds } = this.predecessors(post, count);
    const dom = immediateDominators(predStart, preds, count);
    const n = this.nodeCount;
    const idom = new Int32Array(n).fill(-1);
    const retained = new Float64Array(n);
    for (let i = 0; i < count; i++) {
      const node = order[i] as number;
      idom[node] = order[dom[i] as number] as number;
      retained[node] = this.selfSize[node] as number;
    }
    // Post-order: every node comes before its dominator, so sizes flow up in one pass.
    for (let i = 0; i < count - 1; i++) {
      const node = order[i] as number;
      const up = idom[node] as number;
      retained[up] = (retained[up] as number) + (retained[node] as number);
    }
    return { idom, retained };
  }

  private isWeak(e: number): boolean {
    return this.edgeTypes[this.edgeType[e] as number] === 'weak';
  }

  /** Iterative depth-first search from the root (node 0): node → post-order number and back. */
  private postOrder(): { post: Int32Array; order: Uint32Array; count: number } {
    const n = this.nodeCount;
    const post = new Int32Array(n).fill(-1);
    const order = new Uint32Array(n);
    const visited = new Uint8Array(n);
    const stackNode = new Uint32Array(n);
    const stackEdge = new Uint32Array(n);
    let top = 0;
    let count = 0;
    stackEdge[0] = this.firstEdge[0] as number;
    visited[0] = 1;
    while (top >= 0) {
      const node = stackNode[top] as number;
      const e = stackEdge[top] as number;
      if (e >= (this.firstEdge[node + 1] as number)) {
        post[node] = count;
        order[count++] = node;
        top--;
        continue;
      }
      stackEdge[top] = e + 1;
      const to = this.edgeTo[e] as number;
      if (visited[to] || this.isWeak(e)) continue;
      visited[to] = 1;
      top++;
      stackNode[top] = to;
      stackEdge[top] = this.firstEdge[to] as number;
    }
    return { post, order, count };
  }

  /** Predecessors (as post-order numbers) of each reachable node, in compressed rows. */
  private predecessors(post: Int32Array, count: number): { predStart: Uint32Array; preds: Uint32Array } {
    const predStart = new Uint32Array(count + 1);
    this.forEachStrongEdge(post, (_from, to) => {
      predStart[to + 1] = (predStart[to + 1] as number) + 1;
    });
    for (let i = 0; i < count; i++)
      predStart[i + 1] = (predStart[i + 1] as number) + (predStart[i] as number);
    const preds = new Uint32Array(predStart[count] as number);
    const fill = predStart.slice(0, count);
    this.forEachStrongEdge(post, (from, to) => {
      preds[fill[to] as number] = from;
      fill[to] = (fill[to] as number) + 1;
    });
    return { predStart, preds };
  }

  private forEachStrongEdge(post: Int32Array, visit: (from: number, to: number) => void): void {
    for (let node = 0; node < this.nodeCount; node++) {
      const from = post[node] as number;
      if (from === -1) continue;
      for (let e = this.firstEdge[node] as number; e < (this.firstEdge[node + 1] as number); e++)
        if (!this.isWeak(e)) visit(from, post[this.edgeTo[e] as number] as number);
    }
  }
}

/** Cooper, Harvey and Kennedy's iteration, in post-order numbers (the root is count - 1). */
function immediateDominators(predStart: Uint32Array, preds: Uint32Array, count: number): Int32Array {
  const root = count - 1;
  const dom = new Int32Array(count).fill(-1);
  dom[root] = root;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (a < b) a = dom[a] as number;
      while (b < a) b = dom[b] as number;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = root - 1; i >= 0; i--) {
      let next = -1;
      for (let p = predStart[i] as number; p < (predStart[i + 1] as number); p++) {
        const pred = preds[p] as number;
        if (dom[pred] !== -1) next = next === -1 ? pred : intersect(pred, next);
      }
      if (next !== -1 && dom[i] !== next) {
        dom[i] = next;
        changed = true;
      }
    }
  }
  return dom;
}
