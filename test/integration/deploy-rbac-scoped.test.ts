// The Helm chart with watchNamespaces against the real API server: its RBAC is Roles in the watched
// namespaces (only namespace list/watch stays cluster-wide). The operator process runs with the
// chart's flags as the chart's ServiceAccount: it reconciles and protects the watched namespace,
// leaves the others alone, and could not touch them if it tried.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASELINE_POLICY_NAME } from '../../src/compiler/index.js';
import { networkPolicies, networkPolicy, profile, profiles } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { deleteAdmission, isMarked } from '../helpers/baseline.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { buildDist, type OperatorProcess, ROOT } from '../helpers/process.js';
import { foreignPolicy, frontendBackendProfile } from '../helpers/profiles.js';
import { outcomeOf, startAsServiceAccount } from '../helpers/service-account.js';
import { describeIf } from '../helpers/skip.js';
import { findTool, runTool } from '../helpers/tools.js';

const SYSTEM = 'apptrust-system';
const RELEASE = 'apptrust-scoped';
const kubectl = findTool('kubectl');
const helm = findTool('helm');
if (!kubectl || !helm)
  console.warn('helm or kubectl not found: the scoped Helm RBAC test is skipped (run `make tools`)');
const describeWithTools = describeIf(kubectl && helm, 'helm or kubectl not found (run make tools)');

let admin: KubeRest;
let operatorRest: KubeRest;
let operator: OperatorProcess | undefined;
let tmp: string;
let watched: string;
let other: string;

interface Stored {
  metadata: { name: string };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

describeWithTools('Helm chart with watchNamespaces, run as its ServiceAccount', () => {
  beforeAll(async () => {
    buildDist();
    admin = testRest();
    tmp = mkdtempSync(join(tmpdir(), 'apptrust-scoped-'));
    // Created before the operator first starts: it opts in (existing namespaces are left alone).
    watched = await createNamespace(admin, 'watched', { 'apptrust.dev/baseline': 'enabled' });
    other = await createNamespace(admin, 'unwatched');
    // What `helm install --create-namespace` does first.
    await admin.apply(
      `/api/v1/namespaces/${SYSTEM}`,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM } },
      'apptrust-test',
    );
    const rendered = runTool(helm as string, [
      'template',
      RELEASE,
      join(ROOT, 'config', 'helm', 'apptrust-operator'),
      '--namespace',
      SYSTEM,
      '--set',
      `watchNamespaces={${watched}}`,
    ]);
    runTool(
      kubectl as string,
      ['--kubeconfig', process.env.APPTRUST_TEST_KUBECONFIG as string, 'apply', '--server-side', '-f', '-'],
      rendered,
    );
    ({ rest: operatorRest, operator } = await startAsServiceAccount(
      admin,
      { namespace: SYSTEM, name: RELEASE },
      rendered,
      tmp,
    ));
  });

  afterAll(async () => {
    operator?.child.kill('SIGTERM');
    await operator?.exited;
    for (const ns of [watched, other]) await deleteNamespace(admin, ns);
    await admin.delete(`/apis/apps/v1/namespaces/${SYSTEM}/deployments/${RELEASE}`).catch(() => undefined);
    await deleteAdmission(admin); // the chart's gate would hold back pods of new namespaces for good
    await admin
      .delete('/apis/scheduling.k8s.io/v1/priorityclasses/apptrust-operator-critical')
      .catch(() => undefined);
    operatorRest?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('protects and reconciles the watched namespace', async () => {
    await eventually('the baseline in the watched namespace', () =>
      admin.get(networkPolicy(watched, BASELINE_POLICY_NAME)).catch(() => undefined),
    );
    // Marked protected by the chart's ServiceAccount, the identity its marker guard names.
    await eventually('the protected marker', async () =>
      (await isMarked(admin, watched)) ? true : undefined,
    );
    await admin.request({
      method: 'POST',
      path: profiles(watched),
      body: frontendBackendProfile('shop', watched),
    });
    await eventually('Ready in the watched namespace', async () => {
      const p = await admin.get<Stored>(profile(watched, 'shop'));
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    });
    expect(operator?.output()).not.toMatch(/cannot \w+ resource/);
  });

  it('leaves other namespaces alone', async () => {
    await admin.request({
      method: 'POST',
      path: profiles(other),
      body: frontendBackendProfile('shop', other),
    });
    // The watched namespace converges in well under a second (above); give the other one longer.
    await new Promise((r) => setTimeout(r, 2000));
    const p = await admin.get<Stored>(profile(other, 'shop'));
    expect(p.status).toBeUndefined();
    const policies = await admin.get<{ items: Stored[] }>(networkPolicies(other));
    expect(policies.items).toEqual([]);
  });

  it('its identity holds Roles in the watched namespace only', async () => {
    const outcomes = {
      'list policies in the watched namespace': await outcomeOf(operatorRest.get(networkPolicies(watched))),
      'list policies cluster-wide': await outcomeOf(operatorRest.get(networkPolicies())),
      'list profiles in another namespace': await outcomeOf(operatorRest.get(profiles(other))),
      'create a policy in another namespace': await outcomeOf(
        operatorRest.request({
          method: 'POST',
          path: networkPolicies(other),
          body: foreignPolicy('x'),
        }),
      ),
      'list Secrets in the watched namespace': await outcomeOf(
        operatorRest.get(`/api/v1/namespaces/${watched}/secrets`),
      ),
    };
    expect(outcomes).toEqual({
      'list policies in the watched namespace': 'allowed',
      'list policies cluster-wide': 'Forbidden',
      'list profiles in another namespace': 'Forbidden',
      'create a policy in another namespace': 'Forbidden',
      'list Secrets in the watched namespace': 'Forbidden',
    });
  });
});
