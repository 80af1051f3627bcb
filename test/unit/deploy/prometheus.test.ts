// config/prometheus: the PrometheusRule and the Grafana dashboard parse, and every metric their
// expressions name is one the operator exports (checked against a real OperatorMetrics registry).
// promtool is not used: no package of it is installed here; the names are what drift silently.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { OperatorMetrics } from '../../../src/controller/metrics.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'config', 'prometheus');
const rule = parse(readFileSync(join(DIR, 'prometheusrule.yaml'), 'utf8')) as {
  kind: string;
  spec: {
    groups: Array<{
      rules: Array<{
        alert: string;
        expr: string;
        for: string;
        labels: { severity: string };
        annotations: Record<string, string>;
      }>;
    }>;
  };
};
const dashboard = JSON.parse(readFileSync(join(DIR, 'dashboard.json'), 'utf8')) as {
  panels: Array<{ id: number; title: string; targets: Array<{ expr: string }> }>;
};
const PROMQL_WORDS = new Set([
  'sum',
  'by',
  'rate',
  'max',
  'absent',
  'histogram_quantile',
  'on',
  'group_left',
  'le',
]);

/** Metric names in a PromQL expression (identifiers that are not functions, keywords or labels). */
function metricsIn(expr: string): string[] {
  const withoutLabels = expr
    .replace(/\{[^}]*\}|\[\d+[smh]\]/g, '')
    .replace(/\b(by|on|group_left|without|ignoring)\s*\([^)]*\)/g, '');
  return [...withoutLabels.matchAll(/[a-z_][a-z0-9_]*/g)]
    .map((m) => m[0])
    .filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w));
}

let exported: Set<string>;
beforeAll(async () => {
  const metrics = new OperatorMetrics('test');
  const names = (await metrics.registry.getMetricsAsJSON()).flatMap((m) =>
    String(m.type) === 'histogram'
      ? [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]
      : [m.name],
  );
  exported = new Set([...names, 'up']);
});

it('finds the metric names of an expression (control)', () => {
  expect(
    metricsIn('sum by (reason) (apptrust_profilez{a="b"}) * on (instance) group_left (version) x_info'),
  ).toEqual(['apptrust_profilez', 'x_info']);
});

describe('PrometheusRule', () => {
  const rules = rule.spec.groups.flatMap((g) => g.rules);
  it('is a PrometheusRule with alerts that have a severity, a duration and a summary', () => {
    expect(rule.kind).toBe('PrometheusRule');
    expect(rules.length).toBeGreaterThanOrEqual(4);
    for (const r of rules) {
      expect([r.alert, r.labels.severity]).toEqual([r.alert, expect.stringMatching(/^(critical|warning)$/)]);
      expect([r.alert, r.for]).toEqual([r.alert, expect.stringMatching(/^\d+m$/)]);
      expect([r.alert, typeof r.annotations.summary]).toEqual([r.alert, 'string']);
    }
  });
  it('alerts on invalid and conflicting profiles and on reconcile errors', () => {
    const exprs = rules.map((r) => r.expr).join('\n');
    expect(exprs).toContain('apptrust_profiles{reason=~"InvalidSpec|Conflict|ApplyFailed|Other"}');
    expect(exprs).toContain('controller_runtime_reconcile_total{result="error"}');
  });
  it.each(rules.map((r) => [r.alert, r.expr]))('%s names only exported metrics', (_alert, expr) => {
    expect(metricsIn(expr).filter((m) => !exported.has(m))).toEqual([]);
  });
});

describe('Grafana dashboard', () => {
  it('has panels with unique ids and a query each', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) expect([p.title, p.targets.length > 0]).toEqual([p.title, true]);
  });
  it.each(dashboard.panels.map((p) => [p.title, p.targets.map((t) => t.expr).join(' ')]))(
    '%s names only exported metrics',
    (_title, expr) => expect(metricsIn(expr).filter((m) => !exported.has(m))).toEqual([]),
  );
});
