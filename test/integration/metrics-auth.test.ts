// /metrics behind authentication and authorization, on the real API server: the operator process
// (default --metrics-secure) refuses a scrape without a token (401) and with the token of a
// ServiceAccount that may not get /metrics (403), and serves the one bound to the shipped ClusterRole
// apptrust-metrics-reader (generated from src/kube/rbac.ts). The probes stay open on their own port.
import { createServer } from 'node:net';
import { METRICS_READER_ROLE, METRICS_READER_RULES } from '../../src/kube/rbac.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { buildDist, type OperatorProcess, startOperatorProcess } from '../helpers/process.js';

let rest: KubeRest;
let ns: string;
let operator: OperatorProcess | undefined;
const READER_BINDING = 'apptrust-metrics-auth-test';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function scrape(url: string, token?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  return { status: res.status, body: await res.text() };
}

async function serviceAccountToken(namespace: string, name: string): Promise<string> {
  await rest.request({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts`,
    body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } },
  });
  const response = await rest.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
  });
  return response.status.token;
}

beforeAll(async () => {
  buildDist();
  rest = testRest();
  ns = await createNamespace(rest, 'metrics');
  await rest.apply(
    `/apis/rbac.authorization.k8s.io/v1/clusterroles/${METRICS_READER_ROLE}`,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: METRICS_READER_ROLE },
      rules: METRICS_READER_RULES,
    },
    'apptrust-test',
  );
});

afterAll(async () => {
  operator?.child.kill('SIGKILL');
  await rest
    .delete(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${READER_BINDING}`)
    .catch(() => undefined);
  await deleteNamespace(rest, ns);
});

it('refuses a scrape without a token (401) or without the reader role (403); serves the metrics reader', async () => {
  const [metricsPort, probePort] = [await freePort(), await freePort()];
  const reader = await serviceAccountToken(ns, 'prometheus');
  const stranger = await serviceAccountToken(ns, 'stranger');
  await rest.apply(
    `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${READER_BINDING}`,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: READER_BINDING },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: METRICS_READER_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: ns }],
    },
    'apptrust-test',
  );
  operator = startOperatorProcess(
    [
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${probePort}`,
      `--lease-namespace=${ns}`,
      `--watch-namespaces=${ns}`,
      '--baseline=false',
    ],
    { KUBECONFIG: process.env.APPTRUST_TEST_KUBECONFIG },
  );
  const url = `http://127.0.0.1:${metricsPort}/metrics`;
  await eventually('the metrics port', () => scrape(url).catch(() => undefined));

  expect((await scrape(url)).status).toBe(401);
  expect((await scrape(url, 'not-a-token')).status).toBe(401);
  expect((await scrape(url, stranger)).status).toBe(403);
  const ok = await scrape(url, reader);
  expect(ok.status).toBe(200);
  expect(ok.body).toContain('workqueue_depth');
  // The probes answer the kubelet without a token, and only on their own port.
  expect((await scrape(`http://127.0.0.1:${probePort}/healthz`)).status).toBe(200);
  expect((await scrape(`http://127.0.0.1:${probePort}/metrics`)).status).toBe(404);
  expect((await scrape(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);
  // No token in the operator's output.
  expect(operator.output()).not.toContain(reader);
});
