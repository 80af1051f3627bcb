// The graph of allowed flows: one box per workload inside its namespace, one edge per (from, to)
// labelled with the allowed ports. Mermaid and DOT; SVG is the DOT laid out by Graphviz (svg.ts).
import type { Matrix, MatrixNode } from '../../analysis/index.js';

interface Edge {
  from: string;
  to: string;
  ports: string[];
}

function edgesOf(matrix: Matrix): Edge[] {
  const edges = new Map<string, Edge>();
  for (const i of matrix.items) {
    if (!i.allowed) continue;
    const key = `${i.from}\u0000${i.to}`;
    const edge = edges.get(key) ?? { from: i.from, to: i.to, ports: [] };
    edge.ports.push(`${i.protocol}/${i.port}`);
    edges.set(key, edge);
  }
  return [...edges.values()];
}

/** Nodes in the graph: those in a cell (an endpoint of no cell has nothing to say). */
function graphNodes(matrix: Matrix): MatrixNode[] {
  const used = new Set(matrix.items.flatMap((i) => [i.from, i.to]));
  return matrix.nodes.filter((n) => used.has(n.name));
}

function byNamespace(nodes: readonly MatrixNode[]): Map<string | undefined, MatrixNode[]> {
  const groups = new Map<string | undefined, MatrixNode[]>();
  for (const n of nodes) groups.set(n.namespace, [...(groups.get(n.namespace) ?? []), n]);
  return groups;
}

function label(n: MatrixNode): string {
  if (n.namespace === undefined) return n.name;
  const short = n.name.slice(n.namespace.length + 1);
  return n.podCount > 1 ? `${short} (${n.podCount} pods)` : short;
}

const quote = (text: string) => text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

export function mermaidGraph(matrix: Matrix): string {
  const nodes = graphNodes(matrix);
  const id = new Map(nodes.map((n, i) => [n.name, `n${i + 1}`]));
  const lines = ['flowchart LR'];
  let cluster = 0;
  for (const [namespace, members] of byNamespace(nodes)) {
    if (namespace === undefined) {
      for (const n of members) lines.push(`  ${id.get(n.name)}(["${quote(label(n))}"])`);
      continue;
    }
    lines.push(`  subgraph ns${++cluster}["${quote(namespace)}"]`);
    for (const n of members) lines.push(`    ${id.get(n.name)}["${quote(label(n))}"]`);
    lines.push('  end');
  }
  for (const e of edgesOf(matrix))
    lines.push(`  ${id.get(e.from)} -->|"${e.ports.join(', ')}"| ${id.get(e.to)}`);
  return `${lines.join('\n')}\n`;
}

export function dotGraph(matrix: Matrix): string {
  const nodes = graphNodes(matrix);
  const id = new Map(nodes.map((n, i) => [n.name, `n${i + 1}`]));
  const lines = [
    'digraph reachability {',
    '  rankdir=LR;',
    '  fontname="Helvetica"; fontsize=12;',
    '  node [shape=box, style="rounded,filled", fillcolor="#e8f0fe", color="#4a6fa5", fontname="Helvetica", fontsize=11];',
    '  edge [color="#2e7d32", fontcolor="#1b5e20", fontname="Helvetica", fontsize=9];',
  ];
  let cluster = 0;
  for (const [namespace, members] of byNamespace(nodes)) {
    if (namespace === undefined) {
      for (const n of members)
        lines.push(
          `  ${id.get(n.name)} [label="${quote(label(n))}", shape=ellipse, fillcolor="#fff3e0", color="#e65100"];`,
        );
      continue;
    }
    lines.push(
      `  subgraph cluster_${++cluster} {`,
      `    label="namespace ${quote(namespace)}"; style="rounded"; color="#9e9e9e";`,
    );
    for (const n of members) lines.push(`    ${id.get(n.name)} [label="${quote(label(n))}"];`);
    lines.push('  }');
  }
  for (const e of edgesOf(matrix))
    lines.push(`  ${id.get(e.from)} -> ${id.get(e.to)} [label="${e.ports.join('\\n')}"];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
