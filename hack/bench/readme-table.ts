// The README's performance table, produced from the benchmark's JSON (ratios first; rows are
// recomputed from the raw runs, so a change to report.ts applies to older results too):
//   node dist-test/hack/bench/readme-table.js            prints it
//   node dist-test/hack/bench/readme-table.js --write    replaces the block between the
//                                                        <!-- bench:start --> / <!-- bench:end --> markers in README.md
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/cluster/repo.js';
import { type Pair, rows } from './report.js';
import { round, type Spread } from './stats.js';

interface BenchFile {
  scale: { profiles: number; namespaces: number };
  pairs: number;
  floorConcurrency: number;
  runs: Pair[];
  memory: {
    runtimeFloorMb: Spread;
    emptyOperatorMb: Spread;
    emptyAboveRuntimeMb: Spread;
    growthOverEmptyMb: Spread;
  };
  machine: { cpus: number; loadAverageAtStart: number; loadAverageAtEnd: number };
  date: string;
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

const fmt = (v: number) => String(round(v, Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2));
const cell = (s: Spread | undefined) => (s ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : '—');

function load(profiles: number): BenchFile | undefined {
  const file = join(REPO_ROOT, 'bench-results', `bench-${profiles}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchFile) : undefined;
}

export function readmeTable(files: BenchFile[]): string {
  const lines: string[] = [];
  for (const f of files) {
    lines.push(
      `**${f.scale.profiles.toLocaleString('en')} profiles, ${f.scale.namespaces.toLocaleString('en')} namespaces** ` +
        `(${f.pairs} pairs, floor at concurrency ${f.floorConcurrency}, ${f.machine.cpus} shared CPUs, load ` +
        `${f.machine.loadAverageAtStart}→${f.machine.loadAverageAtEnd}, ${f.date.slice(0, 10)}); median (min–max):`,
      '',
      '| metric | operator ÷ floor | floor | operator |',
      '|---|---|---|---|',
      ...rows(f.runs).map(
        (r) =>
          `| ${r.metric.trim()}${r.unit ? ` (${r.unit})` : ''} | ${cell(r.ratio)} | ${cell(r.floor)} | ${cell(r.operator)} |`,
      ),
      `| RSS: runtime floor (Node + client-node) / empty operator / growth over empty (MB) | — | ${cell(f.memory.runtimeFloorMb)} | ${cell(f.memory.emptyOperatorMb)} / +${cell(f.memory.growthOverEmptyMb)} |`,
      '',
    );
  }
  return lines.join('\n').trimEnd();
}

const files = [1000, 5000].map(load).filter((f): f is BenchFile => f !== undefined);
if (files.length === 0) throw new Error('no bench-results/bench-*.json: run make bench first');
const table = readmeTable(files);
if (process.argv.includes('--write')) {
  const readme = join(REPO_ROOT, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const [start, end] = [text.indexOf(START), text.indexOf(END)];
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} block`);
  writeFileSync(readme, `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`);
  console.log('README.md performance table updated');
} else console.log(table);
