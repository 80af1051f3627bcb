// The deploy manifests against the real API server: `config/default` applied server-side the way
// `make deploy` does, then the operator process runs with the Deployment's own flags under the
// ServiceAccount's identity (a TokenRequest token). The full reconcile must work with exactly that
// RBAC, and the identity must be refused everything outside it. The test control plane enables
// OwnerReferencesPermissionEnforcement, so owner references are checked the strict way too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION } from '../../src/api/v1alpha1/index.js';
import { BASELINE_POLICY_NAME } from '../../src/compiler/index.js';
import { networkPolicies, networkPolicy, profile, profiles } from '../../src/kube/paths.js';
import { LEASE_NAME } from '../../src/kube/rbac.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { isMarked, readRecord } from '../helpers/baseline.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { buildDist, type OperatorProcess, ROOT } from '../helpers/process.js';
import { foreignPolicy, frontendBackendProfile } from '../helpers/profiles.js';
import { outcomeOf, startAsServiceAccount } from '../helpers/service-account.js';
import { describeIf } from '../helpers/skip.js';
import { findTool, runTool } from '../helpers/tools.js';

const SYSTEM = 'apptrust-system';
const SERVICE_ACCOUNT = 'apptrust-operator';
const DEPLOYMENT = `/apis/apps/v1/namespaces/${SYSTEM}/deployments/apptrust-operator`;
const kubectl = findTool('kubectl');
/** kubectl as the test cluster's admin. */
const adminKubectl = (args: string[]) =>
  runTool(kubectl as string, ['--kubeconfig', process.env.APPTRUST_TEST_KUBECONFIG as string, ...args]);
if (!kubectl) console.warn('kubectl not found: the deploy manifest test is skipped (run `make tools`)');

interface Stored {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; generation?: number };
  spec?: Record<string, unknown>;
  status?: { conditions?: Array<{ type: string; status: string; reason: string }> };
}

let admin: KubeRest;
let operatorRest: KubeRest;
let tmp: string;
let operator: OperatorProcess | undefined;
const namespacesToDelete: string[] = [];

const describeWithKubectl = describeIf(kubectl, 'kubectl not found (run make tools)');

describeWithKubectl('config/default deployed and run as the operator ServiceAccount', () => {
  let args: string[] = [];

  beforeAll(async () => {
    buildDist();
    admin = testRest();
    tmp = mkdtempSync(join(tmpdir(), 'apptrust-rbac-'));
    const deployed = await admin.get(DEPLOYMENT).then(
      () => true,
      () => false,
    );
    // Never overwrite (and later delete) an operator someone runs on this cluster.
    if (deployed)
      throw new Error(`${DEPLOYMENT} exists: run the integration tests on a cluster without the operator`);
    // What `make deploy` runs (without the image override: nothing schedules pods here).
    adminKubectl([
      'apply',
      '--server-side',
      '--field-manager=apptrust-deploy',
      '-k',
      join(ROOT, 'config', 'default'),
    ]);
    const started = await startAsServiceAccount(
      admin,
      { namespace: SYSTEM, name: SERVICE_ACCOUNT },
      runTool(kubectl as string, ['kustomize', join(ROOT, 'config', 'default')]),
      tmp,
    );
    ({ rest: operatorRest, operator, args } = started);
  });

  afterAll(async () => {
    operator?.child.kill('SIGTERM');
    await operator?.exited;
    for (const ns of namespacesToDelete) await deleteNamespace(admin, ns);
    // Nothing schedules pods on the local control plane; on a real cluster do not leave a
    // Deployment of an image that may not exist.
    await admin
      .delete(`/apis/apps/v1/namespaces/${SYSTEM}/deployments/apptrust-operator`)
      .catch(() => undefined);
    // Cluster-scoped, so not gone with the namespace: the chart's test applies its own.
    await admin
      .delete('/apis/scheduling.k8s.io/v1/priorityclasses/apptrust-operator-critical')
      .catch(() => undefined);
    // Without an operator, the admission gate would hold back pods of new namespaces for good.
    adminKubectl(['delete', '--ignore-not-found', '-k', join(ROOT, 'config', 'admission')]);
    operatorRest?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the process runs the Deployment flags as system:serviceaccount:apptrust-system:apptrust-operator', async () => {
    expect(args).toContain('--leader-elect=true');
    const review = await operatorRest.request<{
      status: { userInfo: { username: string; groups: string[] } };
    }>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(review.status.userInfo.username).toBe(`system:serviceaccount:${SYSTEM}:${SERVICE_ACCOUNT}`);
    expect(review.status.userInfo.groups).not.toContain('system:masters');
    await eventually('the operator to take its Lease', async () => {
      const lease = await admin
        .get<{ spec: { holderIdentity?: string } }>(
          `/apis/coordination.k8s.io/v1/namespaces/${SYSTEM}/leases/${LEASE_NAME}`,
        )
        .catch(() => undefined);
      return lease?.spec.holderIdentity ? true : undefined;
    });
  });

  it('reconciles fully with that RBAC: baseline, policies with owner references, status, drift, prune, events', async () => {
    const ns = await createNamespace(admin, 'rbac');
    namespacesToDelete.push(ns);
    await eventually('the baseline policy', () =>
      admin.get(networkPolicy(ns, BASELINE_POLICY_NAME)).catch(() => undefined),
    );
    // The protected marker: namespace patch (RBAC) by the identity the marker guard names, after the
    // BaselineRecord was written (its Role in apptrust-system).
    await eventually('the protected marker', async () => ((await isMarked(admin, ns)) ? true : undefined));
    expect(await readRecord(admin)).toBeDefined();

    const body = frontendBackendProfile('shop', ns);
    await admin.request({ method: 'POST', path: profiles(ns), body });
    const ready = await eventually('Ready=True', async () => {
      const p = await admin.get<Stored>(profile(ns, 'shop'));
      return p.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
    });
    const frontend = await admin.get<Stored & { metadata: { ownerReferences: unknown[] } }>(
      networkPolicy(ns, 'shop.frontend'),
    );
    expect(frontend.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'AppTrustProfile', uid: ready.metadata.uid, blockOwnerDeletion: true }),
    ]);

    // Drift: an edit by someone else is put back (update).
    await admin.request({
      method: 'PUT',
      path: networkPolicy(ns, 'shop.frontend'),
      body: { ...frontend, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    });
    await eventually('the drift to be repaired', async () => {
      const p = await admin.get<Stored & { spec: { podSelector: { matchLabels?: unknown } } }>(
        networkPolicy(ns, 'shop.frontend'),
      );
      return p.spec.podSelector.matchLabels ? true : undefined;
    });

    // Prune: a component that is gone takes its policy with it (delete).
    const current = await admin.get<Stored>(profile(ns, 'shop'));
    await admin.request({
      method: 'PUT',
      path: profile(ns, 'shop'),
      body: {
        apiVersion: API_VERSION,
        kind: 'AppTrustProfile',
        metadata: current.metadata,
        spec: { components: [{ name: 'frontend', podSelector: { matchLabels: { role: 'frontend' } } }] },
      },
    });
    await eventually('shop.backend to be pruned', async () => {
      const names = (await admin.get<{ items: Stored[] }>(networkPolicies(ns))).items.map(
        (p) => p.metadata.name,
      );
      return names.includes('shop.backend') ? undefined : names;
    });

    // Events: a Conflict with a foreign policy is reported (create on events.k8s.io).
    await admin.request({
      method: 'POST',
      path: networkPolicies(ns),
      body: foreignPolicy('other.frontend'),
    });
    const other = frontendBackendProfile('other', ns);
    await admin.request({ method: 'POST', path: profiles(ns), body: other });
    await eventually('a Warning event for the conflict', async () => {
      const events = await admin.get<{ items: Array<{ reason: string; regarding: { name: string } }> }>(
        `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
      );
      return events.items.find((e) => e.reason === 'Conflict' && e.regarding.name === 'other')
        ? true
        : undefined;
    });
    // No RBAC denial anywhere in its log (other refusals, such as writes into namespaces that other
    // tests are deleting, are not about RBAC).
    expect(operator?.output()).not.toMatch(/cannot \w+ resource/);
  });

  it('the quickstart: `kubectl apply -k config/samples` and every sample profile becomes Ready', async () => {
    const sampleNamespaces = ['vault', 'shop', 'metrics', 'healthcare', 'fintech'];
    const existing = new Set(
      (await admin.get<{ items: Stored[] }>('/api/v1/namespaces')).items.map((n) => n.metadata.name),
    );
    const applied = adminKubectl(['apply', '--server-side', '-k', join(ROOT, 'config', 'samples')]);
    const samples = [...applied.matchAll(/apptrustprofile\.apptrust\.dev\/(\S+) serverside-applied/g)];
    expect(samples).toHaveLength(5);
    const list = await eventually('every sample Ready', async () => {
      const all = await admin.get<{ items: Stored[] }>(profiles());
      const mine = all.items.filter((p) => sampleNamespaces.includes(p.metadata.namespace ?? ''));
      const ready = mine.filter((p) =>
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return mine.length === 5 && ready.length === 5 ? mine : undefined;
    });
    expect(list.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort()).toEqual([
      'fintech/payments',
      'healthcare/clinic',
      'metrics/exporter',
      'shop/shop',
      'vault/lockdown',
    ]);
    // Clean up only what this test created (the suite may run against a cluster someone uses).
    namespacesToDelete.push(...sampleNamespaces.filter((n) => !existing.has(n)));
  });

  it('the identity can read no Secret and write nothing outside its scope', async () => {
    const ns = await createNamespace(admin, 'rbac-deny');
    namespacesToDelete.push(ns);
    const denied = {
      'get a Secret': () => operatorRest.get(`/api/v1/namespaces/${ns}/secrets/anything`),
      'list Secrets': () => operatorRest.get('/api/v1/secrets'),
      'create a Pod': () =>
        operatorRest.request({
          method: 'POST',
          path: `/api/v1/namespaces/${ns}/pods`,
          body: {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: 'x' },
            spec: { containers: [{ name: 'c', image: 'x' }] },
          },
        }),
      'create a ConfigMap': () =>
        operatorRest.request({
          method: 'POST',
          path: `/api/v1/namespaces/${ns}/configmaps`,
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
        }),
      'create a profile': () =>
        operatorRest.request({
          method: 'POST',
          path: profiles(ns),
          body: frontendBackendProfile('sneaky', ns),
        }),
      // RBAC allows patching namespaces (the marker); the marker guard refuses anything else.
      'label a namespace': () =>
        operatorRest.apply(
          `/api/v1/namespaces/${ns}`,
          {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: ns, labels: { 'apptrust.dev/baseline': 'disabled' } },
          },
          'intruder',
        ),
      'take a Lease outside its namespace': () =>
        operatorRest.request({
          method: 'POST',
          path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'x' } },
        }),
      'grant itself more': () =>
        operatorRest.request({
          method: 'POST',
          path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
          body: {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: 'apptrust-escalation' },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
            subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: SYSTEM }],
          },
        }),
      'delete a namespace': () => operatorRest.delete(`/api/v1/namespaces/${ns}`),
      'read its own Deployment': () =>
        operatorRest.get(`/apis/apps/v1/namespaces/${SYSTEM}/deployments/apptrust-operator`),
    };
    const outcomes: Record<string, string> = {};
    for (const [what, request] of Object.entries(denied)) outcomes[what] = await outcomeOf(request());
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(denied).map((k) => [k, 'Forbidden'])));
    // The control: what it needs is allowed with the same client.
    expect(await outcomeOf(operatorRest.get(networkPolicies()))).toBe('allowed');
    expect(await outcomeOf(operatorRest.get(profiles()))).toBe('allowed');
  });
});
