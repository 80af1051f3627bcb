// The README's performance tables, produced from the benchmark's JSON (ratios first; rows are
// recomputed from the raw runs, so a change to report.ts applies to older results too): one per
// scale (1,000, 5,000, 20,000) and the growth table across them, which docs/scaling.md holds too.
//   node dist-test/hack/bench/readme-table.js            prints them
//   node dist-test/hack/bench/readme-table.js --write    replaces the blocks between the
//                                                        <!-- bench:start --> / <!-- bench:end --> markers in README.md
//                                                        and <!-- growth:start --> / <!-- growth:end --> in docs/scaling.md
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
    nodeAloneMb?: Spread;
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
      `| RSS: runtime floor (Node + client-node) / Node alone / empty operator / growth over empty (MB) | — | ${cell(f.memory.runtimeFloorMb)} / ${cell(f.memory.nodeAloneMb)} | ${cell(f.memory.emptyOperatorMb)} / +${cell(f.memory.growthOverEmptyMb)} |`,
      '',
    );
  }
  return lines.join('\n').trimEnd();
}

/** How the cost grows with the scale: one line per benchmark file, medians (ratios per pair). */
export function growthTable(files: BenchFile[]): string {
  const pick = (f: BenchFile, metric: string) => rows(f.runs).find((r) => r.metric.trim() === metric);
  const median = (s: Spread | undefined) => (s ? fmt(s.median) : '—');
  const lines = [
    '| profiles / namespaces | cold start ÷ floor | ÷ writes-only floor | cold start: floor / operator (s) | CPU: floor / operator (s) | change → Ready p50 / p99 (ms) | new namespace → baseline p50 ÷ floor | RSS settled (MB) | growth over empty (MB) | date, load |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const f of files) {
    const cold = pick(f, 'cold start to all Ready');
    const writesOnly = pick(f, 'cold start, against the writes-only floor');
    const cpu = pick(f, 'CPU on cold start');
    const [p50, p99] = [pick(f, 'profile change → Ready p50'), pick(f, 'profile change → Ready p99')];
    const ns = pick(f, 'new namespace → baseline p50');
    const rss = pick(f, 'RSS after the quiet period');
    lines.push(
      `| ${f.scale.profiles.toLocaleString('en')} / ${f.scale.namespaces.toLocaleString('en')} | ${median(cold?.ratio)} | ${median(writesOnly?.ratio)} | ${median(cold?.floor)} / ${median(cold?.operator)} | ${median(cpu?.floor)} / ${median(cpu?.operator)} | ${median(p50?.operator)} / ${median(p99?.operator)} | ${median(ns?.ratio)} | ${median(rss?.operator)} | +${median(f.memory.growthOverEmptyMb)} | ${f.date.slice(0, 10)}, ${f.machine.loadAverageAtStart}→${f.machine.loadAverageAtEnd} |`,
    );
  }
  return lines.join('\n');
}

function replaceBlock(file: string, start: string, end: string, content: string): void {
  const text = readFileSync(file, 'utf8');
  const [a, b] = [text.indexOf(start), text.indexOf(end)];
  if (a < 0 || b < a) throw new Error(`${file} has no ${start} … ${end} block`);
  writeFileSync(file, `${text.slice(0, a + start.length)}\n${content}\n${text.slice(b)}`);
}

const files = [1000, 5000, 20000].map(load).filter((f): f is BenchFile => f !== undefined);
if (files.length === 0) throw new Error('no bench-results/bench-*.json: run make bench first');
const table = `${readmeTable(files)}\n\n**Growth** (medians):\n\n${growthTable(files)}`;
if (process.argv.includes('--write')) {
  replaceBlock(join(REPO_ROOT, 'README.md'), START, END, table);
  replaceBlock(
    join(REPO_ROOT, 'docs', 'scaling.md'),
    '<!-- growth:start -->',
    '<!-- growth:end -->',
    growthTable(files),
  );
  console.log('README.md performance tables and docs/scaling.md growth table updated');
} else console.log(table);
