// Turns the runs into the table the benchmark prints (floor, operator and operator ÷ floor per
// pair, each as min / median / max) and the summary kept in the JSON.
import type { SideRun } from './measure-side.js';
import type { MemoryFloor } from './memory-floor.js';
import { ratios, round, type Spread, spread } from './stats.js';

export interface Row {
  metric: string;
  unit: string;
  floor: Spread;
  operator: Spread;
  /** Per-pair operator ÷ floor; absent when the floor is 0 by construction. */
  ratio?: Spread;
}

export interface Pair {
  floor: SideRun;
  operator: SideRun;
  /** The writes-only floor's cold start (listed and rendered before its clock starts). */
  writesOnlyColdMs?: number;
}

const METRICS: Array<{ metric: string; unit: string; pick: (r: SideRun) => number; ratio?: boolean }> = [
  { metric: 'cold start to all Ready', unit: 's', pick: (r) => r.coldStartMs / 1000 },
  { metric: 'writes on cold start', unit: '', pick: (r) => r.coldWrites },
  { metric: '  of which Events', unit: '', pick: (r) => r.coldEvents, ratio: false },
  { metric: 'CPU on cold start', unit: 's', pick: (r) => r.coldCpuSeconds },
  {
    metric: '  CPU until idle (Events sent)',
    unit: 's',
    pick: (r) => r.coldCpuUntilIdleSeconds ?? Number.NaN,
    ratio: false,
  },
  { metric: 'profile change → Ready p50', unit: 'ms', pick: (r) => r.profileChangeMs.p50 },
  { metric: 'profile change → Ready p99', unit: 'ms', pick: (r) => r.profileChangeMs.p99 },
  { metric: 'writes per profile change', unit: '', pick: (r) => r.writesPerProfileChange },
  { metric: 'new namespace → baseline p50', unit: 'ms', pick: (r) => r.namespaceBaselineMs.p50 },
  { metric: 'new namespace → baseline p99', unit: 'ms', pick: (r) => r.namespaceBaselineMs.p99 },
  {
    metric: 'writes on restart (+ resync), nothing to do',
    unit: '',
    pick: (r) => r.restartWrites,
    ratio: false,
  },
  { metric: 'idle CPU (quiet period)', unit: '%', pick: (r) => r.quiet.cpuPercent, ratio: false },
  {
    metric: 'idle requests (all clients)',
    unit: '/min',
    pick: (r) => r.quiet.requestsPerMinute,
    ratio: false,
  },
  { metric: 'RSS after the quiet period', unit: 'MB', pick: (r) => r.rssSettledMb },
  { metric: 'peak RSS', unit: 'MB', pick: (r) => r.peakRssMb },
];

/** Cold start against the second floor: a client that only writes (no start, list or render). */
function writesOnlyRow(pairs: readonly Pair[]): Row[] {
  const measured = pairs.filter((p) => p.writesOnlyColdMs !== undefined);
  if (measured.length === 0) return [];
  const floor = measured.map((p) => (p.writesOnlyColdMs as number) / 1000);
  const operator = measured.map((p) => p.operator.coldStartMs / 1000);
  return [
    {
      metric: 'cold start, against the writes-only floor',
      unit: 's',
      floor: spread(floor),
      operator: spread(operator),
      ratio: spread(ratios(floor, operator)),
    },
  ];
}

export function rows(pairs: readonly Pair[]): Row[] {
  return measuredRows(pairs).filter((r) => !Number.isNaN(r.operator.median));
}

function measuredRows(pairs: readonly Pair[]): Row[] {
  return [
    ...METRICS.map(({ metric, unit, pick, ratio }) => {
      const floor = pairs.map((p) => pick(p.floor));
      const operator = pairs.map((p) => pick(p.operator));
      return {
        metric,
        unit,
        floor: spread(floor),
        operator: spread(operator),
        ...(ratio === false ? {} : { ratio: spread(ratios(floor, operator)) }),
      };
    }),
    ...writesOnlyRow(pairs),
  ];
}

export function memoryRows(memory: MemoryFloor, pairs: readonly Pair[]) {
  const empty = spread(memory.emptyOperatorMb).median;
  const runtime = spread(memory.runtimeFloorMb).median;
  const settled = pairs.map((p) => p.operator.rssSettledMb);
  return {
    runtimeFloorMb: spread(memory.runtimeFloorMb),
    nodeAloneMb: spread(memory.nodeAloneMb ?? []),
    emptyAboveNodeAloneMb: spread(
      memory.emptyOperatorMb.map((m) => m - spread(memory.nodeAloneMb ?? []).median),
    ),
    emptyOperatorMb: spread(memory.emptyOperatorMb),
    emptyAboveRuntimeMb: spread(memory.emptyOperatorMb.map((m) => m - runtime)),
    operatorSettledMb: spread(settled),
    growthOverEmptyMb: spread(settled.map((m) => m - empty)),
  };
}

const fmt = (v: number) => {
  if (!Number.isFinite(v)) return String(v);
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return String(round(v, digits));
};
const cell = (s: Spread) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;

/** A Markdown table: median first, (min–max) after; ratios per pair. */
export function markdownTable(table: readonly Row[]): string {
  const lines = [
    '| metric | floor | operator | operator ÷ floor |',
    '|---|---|---|---|',
    ...table.map(
      (r) =>
        `| ${r.metric.trim()}${r.unit ? ` (${r.unit})` : ''} | ${cell(r.floor)} | ${cell(r.operator)} | ${r.ratio ? cell(r.ratio) : '—'} |`,
    ),
  ];
  return lines.join('\n');
}

export function memoryTable(memory: ReturnType<typeof memoryRows>, profiles: number): string {
  return [
    '| memory (RSS, MB) | median (min–max) |',
    '|---|---|',
    `| runtime floor: Node + @kubernetes/client-node imported | ${cell(memory.runtimeFloorMb)} |`,
    `| operator, no objects | ${cell(memory.emptyOperatorMb)} |`,
    `| operator, no objects, above the runtime floor | ${cell(memory.emptyAboveRuntimeMb)} |`,
    `| Node alone (nothing imported) | ${cell(memory.nodeAloneMb)} |`,
    `| operator, no objects, above Node alone | ${cell(memory.emptyAboveNodeAloneMb)} |`,
    `| operator at ${profiles.toLocaleString('en')} profiles, after the quiet period | ${cell(memory.operatorSettledMb)} |`,
    `| growth over the empty operator | ${cell(memory.growthOverEmptyMb)} |`,
  ].join('\n');
}
