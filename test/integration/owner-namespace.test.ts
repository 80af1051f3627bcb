// A profile owns objects in its own namespace only (Kubernetes forbids cross-namespace owners). A
// NetworkPolicy in another namespace whose (invalid) ownerReference names a profile, with our labels
// and a name the profile does not want, is never updated or deleted by the operator: every write it
// sends stays inside the profile's namespace. (The garbage collector may remove such a policy on its
// own: an owner it cannot find in the dependent's namespace is absent. That is its decision, not ours.)
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, PROFILE_LABEL } from '../../src/compiler/index.js';
import type { Operator } from '../../src/controller/operator.js';
import { networkPolicies, profile, profiles } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { startTestOperator } from '../helpers/operator.js';
import { frontendBackendProfile } from '../helpers/profiles.js';

let rest: KubeRest;
let home: string;
let other: string;
let operator: Operator;
const writes: string[] = [];

beforeAll(async () => {
  rest = testRest();
  home = await createNamespace(rest, 'owner-home');
  other = await createNamespace(rest, 'owner-other');
  const started = startTestOperator(['--baseline=false', `--watch-namespaces=${home},${other}`]);
  operator = started.operator;
  operator.rest.onRequest((method, path) => {
    if (method !== 'GET') writes.push(`${method} ${path}`);
  });
  await started.started;
});
afterAll(async () => {
  await operator?.stop();
  await rest
    .request({
      method: 'PATCH',
      path: `${networkPolicies(other)}/web.retired`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: null } },
    })
    .catch(() => undefined);
  for (const ns of [home, other]) await deleteNamespace(rest, ns);
});

interface Stored {
  metadata: { uid: string; resourceVersion: string };
  status?: { observedGeneration?: number; conditions?: Array<{ type: string; reason: string }> };
}

it('never writes or deletes in another namespace, whatever ownerReference a policy there carries', async () => {
  const created = await rest.request<Stored>({
    method: 'POST',
    path: profiles(home),
    body: frontendBackendProfile('web', home),
  });
  await eventually('Ready', async () => {
    const p = await rest.get<Stored>(profile(home, 'web'));
    return p.status?.conditions?.find((c) => c.reason === 'Reconciled') ? true : undefined;
  });
  // Looks like one of ours that the spec no longer wants: labels, controller owner = the profile.
  await rest.request({
    method: 'POST',
    path: networkPolicies(other),
    body: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'web.retired',
        // The garbage collector deletes a dependent whose owner it cannot find in its namespace: the
        // finalizer keeps this one in the operator's cache for the whole test.
        finalizers: ['apptrust.dev/test-keep'],
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [PROFILE_LABEL]: 'web' },
        ownerReferences: [
          {
            apiVersion: 'apptrust.dev/v1alpha1',
            kind: 'AppTrustProfile',
            name: 'web',
            uid: created.metadata.uid,
            controller: true,
          },
        ],
      },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
  });
  await new Promise((r) => setTimeout(r, 1000)); // the operator's informer sees it
  // A spec change: a reconcile that plans creates, updates and prunes for the profile.
  const current = await rest.get<Stored & { spec: Record<string, unknown> }>(profile(home, 'web'));
  await rest.request({
    method: 'PUT',
    path: profile(home, 'web'),
    body: {
      ...frontendBackendProfile('web', home),
      metadata: { name: 'web', namespace: home, resourceVersion: current.metadata.resourceVersion },
      spec: {
        ...current.spec,
        allow: [{ from: { component: 'frontend' }, to: { component: 'backend' }, ports: [{ port: 9090 }] }],
      },
    },
  });
  await eventually('the new spec reconciled', async () => {
    const p = await rest.get<Stored>(profile(home, 'web'));
    return p.status?.observedGeneration === 2 ? true : undefined;
  });
  await operator.idle();
  expect(writes.some((w) => w.includes(`/namespaces/${home}/networkpolicies`))).toBe(true);
  expect(writes.filter((w) => w.includes(`/namespaces/${other}/`))).toEqual([]);
  // Still there (only the garbage collector may have marked it for deletion).
  await rest.get(`${networkPolicies(other)}/web.retired`);
});
