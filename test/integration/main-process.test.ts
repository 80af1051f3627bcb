// The operator as a process (node dist/main.js): probes, metrics, leader election and a graceful
// SIGTERM that finishes in-flight work, releases the lease and exits 0.
import { createServer } from 'node:net';
import { lease, profile, profiles } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { buildDist, type OperatorProcess, startOperatorProcess } from '../helpers/process.js';
import { frontendBackendProfile } from '../helpers/profiles.js';

let rest: KubeRest;
let ns: string;
let operator: OperatorProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function get(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  buildDist();
  rest = testRest();
  ns = await createNamespace(rest, 'process');
});
afterAll(async () => {
  operator?.child.kill('SIGKILL');
  await deleteNamespace(rest, ns);
});

it('serves probes and metrics, leads, and stops cleanly on SIGTERM', async () => {
  const [metricsPort, probePort] = [await freePort(), await freePort()];
  operator = startOperatorProcess(
    [
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      '--metrics-secure=false', // the secure scrape has its own test (metrics-auth.test.ts)
      `--health-probe-bind-address=127.0.0.1:${probePort}`,
      `--lease-namespace=${ns}`,
      `--watch-namespaces=${ns}`,
      '--baseline=false',
      '--log-level=info',
    ],
    { KUBECONFIG: process.env.APPTRUST_TEST_KUBECONFIG },
  );
  const { child, output, exited } = operator;

  expect((await eventually('/healthz', () => get(`http://127.0.0.1:${probePort}/healthz`)))?.status).toBe(
    200,
  );
  await eventually('/readyz 200', async () =>
    (await get(`http://127.0.0.1:${probePort}/readyz`))?.status === 200 ? true : undefined,
  );
  const leaseHolder = async () =>
    (await rest.get<{ spec: { holderIdentity?: string } }>(lease(ns, 'apptrust-operator'))).spec
      .holderIdentity;
  await eventually('the process to take the lease', async () =>
    (await leaseHolder().catch(() => '')) ? true : undefined,
  );
  const metrics = await get(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(metrics?.body).toContain('workqueue_depth');
  expect(metrics?.body).toContain('leader_election_master_status{name="apptrust-operator"} 1');
  const logLine = JSON.parse(
    output()
      .split('\n')
      .find((l) => l.includes('"starting apptrust-operator')) ?? '{}',
  ) as Record<string, unknown>;
  expect(logLine).toMatchObject({ msg: expect.stringMatching(/^starting apptrust-operator \d/), level: 30 });

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(await leaseHolder()).toBe(''); // released: a successor need not wait for expiry
  expect(output()).toContain('"msg":"stopped"');
});

it('exits 2 with a clear message when the kubeconfig cannot be read', async () => {
  const broken = startOperatorProcess([], { KUBECONFIG: '/nonexistent/kubeconfig' });
  expect(await broken.exited).toBe(2);
  expect(broken.output()).toContain('apptrust-operator: cannot load the kubeconfig: ENOENT');
});

it('two processes: SIGKILL the leader and the other takes over once the lease expires, then reconciles', async () => {
  const args = [
    `--lease-namespace=${ns}`,
    '--lease-name=apptrust-kill-test',
    `--watch-namespaces=${ns}`,
    '--baseline=false',
    '--metrics-bind-address=0',
    '--health-probe-bind-address=0',
    '--leader-elect-lease-duration=3s',
    '--leader-elect-renew-deadline=2s',
    '--leader-elect-retry-period=300ms',
  ];
  const env = { KUBECONFIG: process.env.APPTRUST_TEST_KUBECONFIG };
  const pair = [startOperatorProcess(args, env), startOperatorProcess(args, env)] as const;
  const leads = (p: OperatorProcess) => p.output().includes('"msg":"became leader"');
  const identityOf = (p: OperatorProcess) =>
    (
      JSON.parse(
        p
          .output()
          .split('\n')
          .find((l) => l.includes('"starting apptrust-operator')) ?? '{}',
      ) as { identity?: string }
    ).identity;
  try {
    const leader = await eventually('one leader', async () =>
      leads(pair[0]) !== leads(pair[1]) ? (leads(pair[0]) ? pair[0] : pair[1]) : undefined,
    );
    const follower = leader === pair[0] ? pair[1] : pair[0];
    await new Promise((r) => setTimeout(r, 1000));
    expect(leads(follower)).toBe(false);

    leader.child.kill('SIGKILL'); // no release: the lease must expire
    const killed = Date.now();
    await eventually('the follower to lead', async () => (leads(follower) ? true : undefined), 15_000);
    expect(Date.now() - killed).toBeGreaterThan(1000);
    const holder = await rest.get<{ spec: { holderIdentity?: string } }>(lease(ns, 'apptrust-kill-test'));
    expect(holder.spec.holderIdentity).toBe(identityOf(follower));

    await rest.request({
      method: 'POST',
      path: profiles(ns),
      body: frontendBackendProfile('after-failover', ns),
    });
    await eventually('the new leader to reconcile', async () => {
      const p = await rest.get<{ status?: { conditions?: Array<{ status: string }> } }>(
        profile(ns, 'after-failover'),
      );
      return p.status?.conditions?.[0]?.status === 'True' ? true : undefined;
    });
  } finally {
    for (const p of pair) p.child.kill('SIGKILL');
  }
});
