// The namespace baseline against a real API server.
import type { Operator } from '../../src/controller/operator.js';
import { isNotFound } from '../../src/kube/errors.js';
import { namespace as namespacePath, networkPolicy } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { startTestOperator } from '../helpers/operator.js';

const BASELINE = 'apptrust-default-deny';
let rest: KubeRest;
let operator: Operator | undefined;
let existing: string;
const created: string[] = [];
const latencies: number[] = [];

const present = (ns: string) =>
  rest
    .get<{ spec: unknown }>(networkPolicy(ns, BASELINE))
    .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
const absent = async (ns: string) => ((await present(ns)) === undefined ? true : undefined);

async function namespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const ns = await createNamespace(rest, prefix, labels);
  created.push(ns);
  return ns;
}

beforeAll(async () => {
  rest = testRest();
  existing = await namespace('existing'); // exists before the operator starts: back-filled
  const run = startTestOperator(['--baseline-exclude=excluded-by-flag']);
  operator = run.operator;
  await run.started;
});
afterAll(async () => {
  await operator?.stop();
  for (const ns of created) await deleteNamespace(rest, ns);
  if (latencies.length > 0) {
    const sorted = [...latencies].sort((a, b) => a - b);
    process.stderr.write(
      `namespace stored -> baseline: median ${sorted[Math.floor(sorted.length / 2)]} ms, worst ${sorted[sorted.length - 1]} ms over ${sorted.length}\n`,
    );
  }
});

describe('namespace baseline', () => {
  it('back-fills namespaces that existed before the operator started', async () => {
    const policy = await eventually('baseline in existing namespace', () => present(existing));
    expect(policy.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  // How fast is measured (printed here; `make bench` writes bench-results/operator.json), not
  // asserted: the test demands that it appears, well before any resync could put it there.
  it('appears in new namespaces', async () => {
    for (let i = 0; i < 5; i++) {
      const ns = await namespace('new');
      const started = Date.now();
      await eventually('baseline in new namespace', () => present(ns), 10_000, 10);
      latencies.push(Date.now() - started);
    }
  });

  it('is re-created when deleted and restored when edited', async () => {
    const ns = await namespace('repair');
    const original = await eventually('baseline', () => present(ns));
    await rest.delete(networkPolicy(ns, BASELINE));
    await eventually('baseline re-created', () => present(ns));
    const live = await rest.get<{ metadata: unknown; spec: unknown }>(networkPolicy(ns, BASELINE));
    await rest.request({
      method: 'PUT',
      path: networkPolicy(ns, BASELINE),
      body: { ...live, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] } },
    });
    await eventually('baseline restored', async () => {
      const now = await present(ns);
      return JSON.stringify(now?.spec) === JSON.stringify(original.spec) ? true : undefined;
    });
  });

  it('is removed when the namespace opts out, and never added to opted-out or excluded namespaces', async () => {
    const ns = await namespace('optout');
    await eventually('baseline', () => present(ns));
    await rest.request({
      method: 'PATCH',
      path: namespacePath(ns),
      body: { metadata: { labels: { 'apptrust.dev/baseline': 'disabled' } } },
      contentType: 'application/merge-patch+json',
    });
    await eventually('baseline removed on opt-out', () => absent(ns));
    const optedOut = await namespace('born-optout', { 'apptrust.dev/baseline': 'disabled' });
    const control = await namespace('control');
    await eventually('control namespace baseline', () => present(control)); // the operator has seen both
    expect(await absent(optedOut)).toBe(true);
    expect(await absent('kube-system')).toBe(true);
    expect(await absent('kube-public')).toBe(true);
  });

  it('skips namespaces excluded by the --baseline-exclude setting', async () => {
    await rest.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: 'excluded-by-flag' } },
    });
    created.push('excluded-by-flag');
    const control = await namespace('control');
    await eventually('control namespace baseline', () => present(control));
    expect(await absent('excluded-by-flag')).toBe(true);
  });
});
