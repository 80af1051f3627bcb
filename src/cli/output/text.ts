// Plain-text output: a truth table per port (rows: from, columns: to, as upstream prints its
// e2e tables), a verdict with its reasons, and a diff as +/- lines.
import type { Matrix, MatrixNode, ReachabilityChange, ReachabilityItem } from '../../analysis/index.js';

const portName = (p: { port: number; protocol: string }) => `${p.protocol}/${p.port}`;

function describeNode(n: MatrixNode): string {
  if (n.namespace === undefined) return 'outside the cluster';
  return `${n.podCount} pod${n.podCount === 1 ? '' : 's'}`;
}

function portsOf(items: readonly ReachabilityItem[]): Array<{ port: number; protocol: string }> {
  const seen = new Map<string, { port: number; protocol: string }>();
  for (const i of items) seen.set(portName(i), { port: i.port, protocol: i.protocol });
  return [...seen.values()].sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1));
}

export function matrixText(matrix: Matrix): string {
  if (matrix.items.length === 0)
    return 'No cells to evaluate: the world has no pods with declared container ports (use --port) or no endpoints match.\n';
  const used = new Set(matrix.items.flatMap((i) => [i.from, i.to]));
  const nodes = matrix.nodes.filter((n) => used.has(n.name));
  const number = new Map(nodes.map((n, i) => [n.name, i + 1]));
  const width = String(nodes.length).length;
  const nameWidth = Math.max(...nodes.map((n) => n.name.length));
  const lines = ['Endpoints'];
  for (const n of nodes)
    lines.push(
      `  ${String(number.get(n.name)).padStart(width)}  ${n.name.padEnd(nameWidth)}  ${describeNode(n)}${n.ports.length > 0 ? `; ports ${n.ports.map(portName).join(', ')}` : ''}`,
    );
  lines.push(
    '',
    'Legend: . allowed, X denied, blank: not evaluated (the destination does not serve that port)',
  );
  for (const port of portsOf(matrix.items)) {
    const cells = matrix.items.filter((i) => i.port === port.port && i.protocol === port.protocol);
    const cols = nodes.filter((n) => cells.some((c) => c.to === n.name));
    const rows = nodes.filter((n) => cells.some((c) => c.from === n.name));
    const verdict = new Map(cells.map((c) => [`${c.from}\u0000${c.to}`, c.allowed ? '.' : 'X']));
    lines.push('', `${portName(port)}  from \\ to`);
    lines.push(
      `  ${''.padStart(width)}  ${cols.map((c) => String(number.get(c.name)).padStart(width)).join(' ')}`,
    );
    for (const r of rows)
      lines.push(
        `  ${String(number.get(r.name)).padStart(width)}  ${cols.map((c) => (verdict.get(`${r.name}\u0000${c.name}`) ?? ' ').padStart(width)).join(' ')}`.trimEnd(),
      );
  }
  const allowed = matrix.items.filter((i) => i.allowed).length;
  lines.push('', `${matrix.items.length} cells: ${allowed} allowed, ${matrix.items.length - allowed} denied`);
  return `${lines.join('\n')}\n`;
}

export function verdictText(items: readonly ReachabilityItem[]): string {
  if (items.length === 0) return 'No ports to evaluate: the destination declares none (use --port).\n';
  return items
    .map(
      (i) =>
        `${i.from} -> ${i.to} ${portName(i)}: ${i.allowed ? 'allowed' : 'denied'}\n${i.reasons.map((r) => `  ${r}\n`).join('')}`,
    )
    .join('');
}

export function diffSummary(changes: readonly ReachabilityChange[]): string {
  const added = changes.filter((c) => c.change === 'added').length;
  const flows = (n: number) => `${n} flow${n === 1 ? '' : 's'}`;
  return changes.length === 0
    ? 'No flow changes.'
    : `${flows(added)} added, ${flows(changes.length - added)} removed`;
}

export function diffText(changes: readonly ReachabilityChange[]): string {
  const lines = changes.map(
    (c) =>
      `${c.change === 'added' ? '+' : '-'} ${c.from} -> ${c.to} ${portName(c)}\n${c.reasons.map((r) => `    ${r}\n`).join('')}`,
  );
  return `${lines.join('')}${diffSummary(changes)}\n`;
}
