// Markdown for docs and pull-request comments: the cells as a table, the diff as a table.
import type { ReachabilityChange, ReachabilityItem } from '../../analysis/index.js';
import { diffSummary } from './text.js';

const cell = (text: string) => text.replace(/\|/g, '\\|');
const why = (reasons: readonly string[]) => reasons.map(cell).join('<br>');

export function reachabilityMarkdown(items: readonly ReachabilityItem[]): string {
  const allowed = items.filter((i) => i.allowed).length;
  const lines = [
    `### Reachability: ${items.length} cells, ${allowed} allowed, ${items.length - allowed} denied`,
    '',
    '| From | To | Port | Verdict | Why |',
    '|---|---|---|---|---|',
    ...items.map(
      (i) =>
        `| \`${i.from}\` | \`${i.to}\` | ${i.protocol}/${i.port} | ${i.allowed ? 'allowed' : 'denied'} | ${why(i.reasons)} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

export function diffMarkdown(changes: readonly ReachabilityChange[]): string {
  const lines = [`### apptrust diff: ${diffSummary(changes)}`];
  if (changes.length > 0)
    lines.push(
      '',
      '| Change | From | To | Port | Why |',
      '|---|---|---|---|---|',
      ...changes.map(
        (c) => `| ${c.change} | \`${c.from}\` | \`${c.to}\` | ${c.protocol}/${c.port} | ${why(c.reasons)} |`,
      ),
    );
  return `${lines.join('\n')}\n`;
}
