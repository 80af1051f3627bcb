// GitOps against the real API server: a profile applied the way Argo CD applies it (server-side
// apply, its tracking label and annotation) is stored exactly as written, the operator never writes
// its spec or metadata, the generated policies carry nothing of Argo CD's (so Argo CD neither
// adopts nor prunes them), and a re-sync of the same Git content changes nothing.
import { API_VERSION } from '../../src/api/v1alpha1/index.js';
import type { Operator } from '../../src/controller/operator.js';
import { networkPolicies, profile } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { startTestOperator } from '../helpers/operator.js';

const ARGO_MANAGER = 'argocd-controller';
const TRACKING_LABEL = 'app.kubernetes.io/instance';
const TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';

interface Stored {
  metadata: {
    name: string;
    resourceVersion: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: Array<{ manager: string; subresource?: string; fieldsV1?: Record<string, unknown> }>;
  };
  spec: Record<string, unknown>;
  status?: { conditions?: Array<{ type: string; status: string }> };
}

let rest: KubeRest;
let operator: Operator;
let ns: string;

beforeAll(async () => {
  rest = testRest();
  ns = await createNamespace(rest, 'gitops');
  const run = startTestOperator(['--baseline=false']);
  operator = run.operator;
  await run.started;
});
afterAll(async () => {
  await operator.stop();
  await deleteNamespace(rest, ns);
});

/** The profile as it sits in Git: only what the author wrote, no defaults. */
const fromGit = () => ({
  apiVersion: API_VERSION,
  kind: 'AppTrustProfile',
  metadata: {
    name: 'shop',
    namespace: ns,
    labels: { [TRACKING_LABEL]: 'trust-profiles', team: 'payments' },
    annotations: { [TRACKING_ANNOTATION]: `trust-profiles:apptrust.dev/AppTrustProfile:${ns}/shop` },
  },
  spec: {
    components: [
      { name: 'frontend', podSelector: { matchLabels: { role: 'frontend' } } },
      { name: 'backend', podSelector: { matchLabels: { role: 'backend' } } },
    ],
    allow: [{ from: { component: 'frontend' }, to: { component: 'backend' }, ports: [{ port: 8080 }] }],
  },
});

const sync = () => rest.apply<Stored>(profile(ns, 'shop'), fromGit(), ARGO_MANAGER);

it('stores the spec exactly as written and the operator writes only status', async () => {
  await sync();
  const ready = await eventually('Ready', async () => {
    const p = await rest.get<Stored>(profile(ns, 'shop'));
    return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
  });
  expect(ready.spec).toEqual(fromGit().spec); // no defaults from the API server or the operator
  expect(ready.metadata.labels).toEqual(fromGit().metadata.labels);
  expect(ready.metadata.annotations).toEqual(fromGit().metadata.annotations);
  const otherManagers = (ready.metadata.managedFields ?? []).filter((m) => m.manager !== ARGO_MANAGER);
  // The operator writes status only, as apptrust-operator (Ready and IntentHonored in one write).
  for (const m of otherManagers) expect([m.manager, m.subresource]).toEqual(['apptrust-operator', 'status']);
  expect(otherManagers.map((m) => m.manager)).toContain('apptrust-operator');
});

it('generated policies carry no label or annotation of the profile, so Argo CD never tracks or prunes them', async () => {
  const policies = await eventually('policies', async () => {
    const list = await rest.get<{ items: Stored[] }>(networkPolicies(ns));
    return list.items.length === 2 ? list.items : undefined;
  });
  for (const policy of policies) {
    expect(Object.keys(policy.metadata.labels ?? {}).sort()).toEqual([
      'app.kubernetes.io/managed-by',
      'apptrust.dev/component',
      'apptrust.dev/profile',
    ]);
    expect(policy.metadata.annotations ?? {}).toEqual({});
  }
});

it('a re-sync of the same Git content changes nothing: same resourceVersion, no operator write', async () => {
  await operator.idle();
  const before = await rest.get<Stored>(profile(ns, 'shop'));
  const policiesBefore = (await rest.get<{ items: Stored[] }>(networkPolicies(ns))).items.map(
    (p) => p.metadata.resourceVersion,
  );
  const writes = operator.writes;
  const after = await sync();
  operator.resyncAll();
  await new Promise((r) => setTimeout(r, 300));
  await operator.idle();
  expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  expect(after.metadata.generation).toBe(before.metadata.generation);
  expect(operator.writes - writes).toBe(0);
  expect(
    (await rest.get<{ items: Stored[] }>(networkPolicies(ns))).items.map((p) => p.metadata.resourceVersion),
  ).toEqual(policiesBefore);
});
