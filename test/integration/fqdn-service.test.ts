// fqdn and service endpoints against a real API server: Service selector and port changes
// re-render; DNS names resolved through our own DNS server (127.0.0.1), status.fqdn and the
// DNSResolved condition; a failing resolver keeps the enforced policies.
import { API_VERSION } from '../../src/api/v1alpha1/index.js';
import type { NetworkPolicy } from '../../src/compiler/index.js';
import type { Operator } from '../../src/controller/operator.js';
import { networkPolicy, profile, profiles, services } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { type DnsTestServer, startDnsServer } from '../dataplane/dns-server.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { startTestOperator } from '../helpers/operator.js';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Profile {
  metadata: { name: string; namespace: string; generation?: number };
  spec: Record<string, unknown>;
  status?: {
    conditions?: Condition[];
    fqdn?: Array<{
      name: string;
      addresses?: string[];
      resolvedAt?: string;
      expiresAt?: string;
      error?: string;
    }>;
  };
}

const NAME = 'api.payments.example';
let rest: KubeRest;
let operator: Operator;
let dns: DnsTestServer;
const namespacesToDelete: string[] = [];
const timings: Record<string, number[]> = { service: [], dns: [] };

/** The operator resolving through the test DNS server, with short TTL bounds and grace. */
const startFqdnOperator = () =>
  startTestOperator([
    '--baseline=false',
    `--fqdn-resolver=${dns.address}`,
    '--fqdn-min-ttl=1s',
    '--fqdn-max-ttl=2s',
    '--fqdn-grace=2s',
  ]);

beforeAll(async () => {
  rest = testRest();
  dns = await startDnsServer({ [NAME]: { a: ['192.0.2.10'], ttl: 1 } });
  const run = startFqdnOperator();
  operator = run.operator;
  await run.started;
});
afterAll(async () => {
  await operator.stop();
  await dns.close();
  for (const ns of namespacesToDelete) await deleteNamespace(rest, ns);
  for (const [what, list] of Object.entries(timings))
    if (list.length > 0)
      process.stderr.write(`${what} change -> NetworkPolicy updated: ${list.join(', ')} ms\n`);
});

async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(rest, prefix);
  namespacesToDelete.push(ns);
  return ns;
}

const components = [
  { name: 'frontend', podSelector: { matchLabels: { role: 'frontend' } } },
  { name: 'payments', podSelector: { matchLabels: { role: 'payments' } } },
];

async function createProfile(ns: string, name: string, allow: unknown[]): Promise<Profile> {
  return rest.request<Profile>({
    method: 'POST',
    path: profiles(ns),
    body: {
      apiVersion: API_VERSION,
      kind: 'AppTrustProfile',
      metadata: { name, namespace: ns },
      spec: { allowDNS: false, components, allow },
    },
  });
}

const service = (ns: string, selector: Record<string, string> | undefined, targetPort: number | string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'backend', namespace: ns },
  spec: { ...(selector ? { selector } : {}), ports: [{ name: 'http', port: 80, targetPort }] },
});

async function putService(ns: string, body: ReturnType<typeof service>): Promise<void> {
  const current = await rest.get<{ metadata: Record<string, unknown>; spec: Record<string, unknown> }>(
    `${services(ns)}/backend`,
  );
  await rest.request({
    method: 'PUT',
    path: `${services(ns)}/backend`,
    // clusterIP is immutable: keep what the API server assigned.
    body: { ...body, metadata: current.metadata, spec: { ...body.spec, clusterIP: current.spec.clusterIP } },
  });
}

const readPolicy = (ns: string, name: string) => rest.get<NetworkPolicy>(networkPolicy(ns, name));
const readProfile = (ns: string, name: string) => rest.get<Profile>(profile(ns, name));
const condition = (p: Profile, type: string) => p.status?.conditions?.find((c) => c.type === type);

async function policyWhere(
  ns: string,
  name: string,
  test: (p: NetworkPolicy) => boolean,
): Promise<NetworkPolicy> {
  return eventually(`${ns}/${name} to change`, async () => {
    const p = await readPolicy(ns, name).catch(() => undefined);
    return p && test(p) ? p : undefined;
  });
}

const egressOf = (p: NetworkPolicy) => JSON.stringify(p.spec.egress ?? []);

describe('to: {service}', () => {
  it('renders the selector and targetPort, follows selector and port changes, refuses a selectorless Service and keeps the last good policy', async () => {
    const ns = await namespace('svc');
    await rest.request({ method: 'POST', path: services(ns), body: service(ns, { app: 'backend' }, 8080) });
    await createProfile(ns, 'shop', [
      { from: { component: 'frontend' }, to: { service: 'backend' }, ports: [{ port: 80 }] },
    ]);
    const first = await policyWhere(ns, 'shop.frontend', (p) => (p.spec.egress?.length ?? 0) > 0);
    expect(first.spec.egress).toEqual([
      {
        to: [{ podSelector: { matchLabels: { app: 'backend' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);

    let started = Date.now();
    await putService(ns, service(ns, { app: 'backend', track: 'v2' }, 'web'));
    const changed = await policyWhere(ns, 'shop.frontend', (p) => egressOf(p).includes('v2'));
    timings.service?.push(Date.now() - started);
    expect(changed.spec.egress).toEqual([
      {
        to: [{ podSelector: { matchLabels: { app: 'backend', track: 'v2' } } }],
        ports: [{ protocol: 'TCP', port: 'web' }],
      },
    ]);

    // Selector removed: refused with a clear status, the last good policy stays as it was.
    started = Date.now();
    await putService(ns, service(ns, undefined, 8080));
    const refused = await eventually('Ready=False', async () => {
      const p = await readProfile(ns, 'shop');
      const ready = condition(p, 'Ready');
      return ready?.status === 'False' ? ready : undefined;
    });
    expect(refused.reason).toBe('InvalidSpec');
    expect(refused.message).toContain(
      `spec.allow[0].to.service: Service ${ns}/backend has no selector (its endpoints are managed by hand): refused, it would select every pod`,
    );
    expect((await readPolicy(ns, 'shop.frontend')).spec.egress).toEqual(changed.spec.egress);

    // Deleted: still the last good policy.
    await rest.delete(`${services(ns)}/backend`);
    await eventually('Service not found reported', async () => {
      const ready = condition(await readProfile(ns, 'shop'), 'Ready');
      return ready?.message.includes(`Service ${ns}/backend not found`) ? true : undefined;
    });
    expect((await readPolicy(ns, 'shop.frontend')).spec.egress).toEqual(changed.spec.egress);

    // Back with a selector: rendered again.
    await rest.request({
      method: 'POST',
      path: services(ns),
      body: service(ns, { app: 'backend-v3' }, 8080),
    });
    await policyWhere(ns, 'shop.frontend', (p) => egressOf(p).includes('backend-v3'));
  });

  it('refuses an ExternalName Service', async () => {
    const ns = await namespace('svc-ext');
    await rest.request({
      method: 'POST',
      path: services(ns),
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'backend' },
        spec: { type: 'ExternalName', externalName: 'backend.example' },
      },
    });
    await createProfile(ns, 'shop', [{ from: { component: 'frontend' }, to: { service: 'backend' } }]);
    const ready = await eventually('Ready=False', async () => {
      const r = condition(await readProfile(ns, 'shop'), 'Ready');
      return r?.status === 'False' ? r : undefined;
    });
    expect(ready.message).toContain(`Service ${ns}/backend is of type ExternalName`);
    await expect(readPolicy(ns, 'shop.frontend')).rejects.toMatchObject({ status: 404 }); // never rendered as all pods
  });
});

describe('to: {fqdn}', () => {
  it('renders the addresses, reports status.fqdn, follows a change with grace, keeps the set when resolution fails', async () => {
    dns.answers = { [NAME]: { a: ['192.0.2.10'], aaaa: ['2001:db8::10'], ttl: 1 } };
    const ns = await namespace('fqdn');
    await createProfile(ns, 'pay', [
      { from: { component: 'payments' }, to: { fqdn: NAME }, ports: [{ port: 443 }] },
    ]);
    const first = await policyWhere(ns, 'pay.payments', (p) => (p.spec.egress?.length ?? 0) > 0);
    const https = [{ protocol: 'TCP', port: 443 }];
    expect(first.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '192.0.2.10/32' } }], ports: https },
      { to: [{ ipBlock: { cidr: '2001:db8::10/128' } }], ports: https },
    ]);
    const resolved = await eventually('status.fqdn', async () => {
      const p = await readProfile(ns, 'pay');
      return p.status?.fqdn?.[0]?.resolvedAt ? p : undefined;
    });
    expect(resolved.status?.fqdn?.[0]).toMatchObject({
      name: NAME,
      addresses: ['192.0.2.10', '2001:db8::10'],
    });
    expect(Date.parse(resolved.status?.fqdn?.[0]?.expiresAt ?? '')).toBeGreaterThan(
      Date.parse(resolved.status?.fqdn?.[0]?.resolvedAt ?? ''),
    );
    expect(condition(resolved, 'DNSResolved')).toMatchObject({ status: 'True', reason: 'Resolved' });

    // The answer changes: the new address at once, the old one for the grace period, then gone.
    const started = Date.now();
    dns.answers = { [NAME]: { a: ['192.0.2.20'], ttl: 1 } };
    await policyWhere(ns, 'pay.payments', (p) => egressOf(p).includes('192.0.2.20/32'));
    timings.dns?.push(Date.now() - started);
    const settled = await policyWhere(ns, 'pay.payments', (p) => !egressOf(p).includes('192.0.2.10/32'));
    expect(settled.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '192.0.2.20/32' } }], ports: https }]);

    // The resolver fails: the policy stays, DNSResolved=False names the name and the error, an Event.
    dns.answers = { [NAME]: { fail: 'servfail' } };
    const failed = await eventually('DNSResolved=False', async () => {
      const p = await readProfile(ns, 'pay');
      return condition(p, 'DNSResolved')?.status === 'False' ? p : undefined;
    });
    expect(condition(failed, 'DNSResolved')).toMatchObject({
      reason: 'ResolutionFailed',
      message: `${NAME}: server failure (SERVFAIL); last good addresses kept (192.0.2.20)`,
    });
    expect(failed.status?.fqdn?.[0]).toMatchObject({
      addresses: ['192.0.2.20'],
      error: 'server failure (SERVFAIL)',
    });
    expect(condition(failed, 'Ready')).toMatchObject({ status: 'True', reason: 'Reconciled' });
    await new Promise((r) => setTimeout(r, 4000)); // past TTL + grace
    expect((await readPolicy(ns, 'pay.payments')).spec.egress).toEqual(settled.spec.egress);
    await eventually('a Warning Event', async () => {
      const events = await rest.get<{ items: Array<{ reason: string; type: string; note: string }> }>(
        `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
      );
      return events.items.find(
        (e) => e.reason === 'DNSResolutionFailed' && e.type === 'Warning' && e.note.includes(NAME),
      );
    });

    // Metrics: failures counted, and the age of the profile's oldest good answer.
    const metrics = await operator.metrics.registry.metrics();
    expect(Number(metrics.match(/^apptrust_fqdn_resolution_failures_total (\d+)/m)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(
      new RegExp(`apptrust_fqdn_resolution_age_seconds\\{namespace="${ns}",profile="pay"\\} \\d`),
    );

    // Back: DNSResolved=True again.
    dns.answers = { [NAME]: { a: ['192.0.2.20'], ttl: 1 } };
    await eventually('DNSResolved=True', async () =>
      condition(await readProfile(ns, 'pay'), 'DNSResolved')?.status === 'True' ? true : undefined,
    );
  });

  it('a restarted operator whose resolver fails keeps the enforced addresses (carried over from status.fqdn)', async () => {
    dns.answers = { [NAME]: { a: ['192.0.2.44'], ttl: 1 } };
    const ns = await namespace('fqdn-restart');
    await createProfile(ns, 'pay', [
      { from: { component: 'payments' }, to: { fqdn: NAME }, ports: [{ port: 443 }] },
    ]);
    // Only .44 (an address of the earlier test may be in its grace period still).
    const only44 = (p: NetworkPolicy) =>
      egressOf(p).includes('192.0.2.44/32') && !egressOf(p).includes('192.0.2.20/32');
    const enforced = await policyWhere(ns, 'pay.payments', only44);
    await eventually('status.fqdn', async () => {
      const entry = (await readProfile(ns, 'pay')).status?.fqdn?.[0];
      return entry?.addresses?.join() === '192.0.2.44' ? true : undefined;
    });
    await operator.stop();
    dns.answers = { [NAME]: { fail: 'drop' } };
    const run = startFqdnOperator();
    operator = run.operator;
    await run.started;
    const failed = await eventually('DNSResolved=False after the restart', async () => {
      const p = await readProfile(ns, 'pay');
      return condition(p, 'DNSResolved')?.status === 'False' ? p : undefined;
    });
    expect(condition(failed, 'DNSResolved')?.message).toBe(
      `${NAME}: timed out; last good addresses kept (192.0.2.44)`,
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect((await readPolicy(ns, 'pay.payments')).spec.egress).toEqual(enforced.spec.egress);
    dns.answers = { [NAME]: { a: ['192.0.2.44'], ttl: 1 } };
  });

  it.each([
    [
      '*.payments.example',
      'wildcards are not supported (yet): name each host exactly, e.g. api.payments.example',
    ],
    ['API.payments.example', 'must be lowercase: DNS names are written in lowercase here (exact match)'],
  ])('the API server refuses %s', async (name, message) => {
    const ns = await namespace('fqdn-bad');
    const error = await createProfile(ns, 'bad', [
      { from: { component: 'payments' }, to: { fqdn: name } },
    ]).catch((e: unknown) => e);
    expect(String((error as { body?: string }).body ?? error)).toContain(message);
  });

  it('the API server refuses fqdn as a source', async () => {
    const ns = await namespace('fqdn-src');
    const error = await createProfile(ns, 'bad', [
      { from: { fqdn: NAME }, to: { component: 'payments' } },
    ]).catch((e: unknown) => e);
    expect(String((error as { body?: string }).body ?? error)).toContain('fqdn is for egress only');
  });
});
