// The tracker against a real DNS server on 127.0.0.1 (our own, node:dgram): TTLs, changes, failures.
import { FqdnTracker } from '../../../src/controller/fqdn-tracker.js';
import { describeDnsError, dnsResolver } from '../../../src/dns/resolver.js';
import { type DnsTestServer, startDnsServer } from '../../dataplane/dns-server.js';

const NAME = 'api.payments.example';
let dns: DnsTestServer;
beforeAll(async () => {
  dns = await startDnsServer({});
});
afterAll(() => dns.close());

function tracker(timings = { minTtlMs: 200, maxTtlMs: 400, graceMs: 300 }) {
  const changes: string[][] = [];
  const failures: string[] = [];
  const t = new FqdnTracker({
    resolve: dnsResolver({ server: dns.address, timeoutMs: 150, tries: 1 }),
    describeError: describeDnsError,
    timings,
    onChange: (keys) => changes.push(keys),
    onFailure: (name) => failures.push(name),
  });
  return { t, changes, failures };
}
const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

it('resolves A and AAAA before the first render, with the TTL clamped in expiresAt', async () => {
  dns.answers = { [NAME]: { a: ['192.0.2.10'], aaaa: ['2001:db8::10'], ttl: 3600 } };
  const { t } = tracker();
  await t.want('shop/p', [NAME]);
  expect(t.addressesFor('shop/p').get(NAME)).toEqual(['192.0.2.10', '2001:db8::10']);
  const report = t.report('shop/p');
  expect(report).toMatchObject({ resolved: true, reason: 'Resolved', message: '1 DNS name resolved' });
  const entry = report?.fqdn[0];
  // TTL 3600 s clamped to the 400 ms maximum (seconds precision in status)
  expect(
    Date.parse(entry?.expiresAt as string) - Date.parse(entry?.resolvedAt as string),
  ).toBeLessThanOrEqual(1000);
  t.stop();
});

it('follows a change: the new address at once, the old one for the grace period only', async () => {
  dns.answers = { [NAME]: { a: ['192.0.2.1'], ttl: 1 } };
  const { t, changes } = tracker();
  await t.want('shop/p', [NAME]);
  dns.answers = { [NAME]: { a: ['192.0.2.2'], ttl: 1 } };
  await until(() => (t.addressesFor('shop/p').get(NAME) ?? []).includes('192.0.2.2'));
  expect(t.addressesFor('shop/p').get(NAME)).toEqual(['192.0.2.1', '192.0.2.2']); // .1 in grace
  await until(() => !(t.addressesFor('shop/p').get(NAME) ?? []).includes('192.0.2.1'));
  expect(t.addressesFor('shop/p').get(NAME)).toEqual(['192.0.2.2']);
  expect(changes.flat()).toContain('shop/p');
  t.stop();
});

it.each([
  ['servfail', 'server failure (SERVFAIL)'],
  ['nxdomain', 'name not found (NXDOMAIN)'],
  ['drop', 'timed out'],
] as const)('a %s keeps the last good set and says so', async (fail, words) => {
  dns.answers = { [NAME]: { a: ['192.0.2.7'], ttl: 1 } };
  const { t, failures } = tracker({ minTtlMs: 200, maxTtlMs: 400, graceMs: 100 });
  await t.want('shop/p', [NAME]);
  dns.answers = { [NAME]: { fail } };
  await until(() => failures.length > 0);
  await new Promise((r) => setTimeout(r, 500)); // well past TTL + grace
  expect(t.addressesFor('shop/p').get(NAME)).toEqual(['192.0.2.7']);
  expect(t.report('shop/p')).toMatchObject({
    resolved: false,
    reason: 'ResolutionFailed',
    message: `${NAME}: ${words}; last good addresses kept (192.0.2.7)`,
    fqdn: [{ name: NAME, addresses: ['192.0.2.7'], error: words }],
  });
  dns.answers = { [NAME]: { a: ['192.0.2.7'], ttl: 1 } };
  await until(() => t.report('shop/p')?.resolved === true);
  t.stop();
});

it('a name that never resolved allows nothing and is reported', async () => {
  dns.answers = {};
  const { t } = tracker();
  await t.want('shop/q', ['missing.example']);
  expect(t.addressesFor('shop/q').get('missing.example')).toBeUndefined();
  expect(t.report('shop/q')?.message).toBe(
    'missing.example: name not found (NXDOMAIN); nothing allowed to it yet',
  );
  t.forget('shop/q');
  expect(t.profiles()).toEqual([]);
  t.stop();
});

it('resolves a name once for every profile naming it; each waits for the first answer', async () => {
  dns.answers = { [NAME]: { a: ['192.0.2.30'], ttl: 60 } };
  const { t } = tracker({ minTtlMs: 5_000, maxTtlMs: 10_000, graceMs: 1_000 });
  const before = dns.queries;
  await Promise.all([t.want('a/p', [NAME]), t.want('b/q', [NAME])]);
  expect(t.addressesFor('b/q').get(NAME)).toEqual(['192.0.2.30']);
  expect(dns.queries - before).toBe(2); // one A and one AAAA query, not two of each
  expect(t.namesOf('b/q')).toEqual([NAME]);
  t.forget('a/p');
  expect(t.addressesFor('b/q').get(NAME)).toEqual(['192.0.2.30']); // still wanted by b/q
  t.forget('b/q');
  expect(t.addressesFor('b/q').get(NAME)).toBeUndefined();
  t.stop();
});

it('carries over, per profile, the addresses its status lists and its policies enforce, until the first answer and its grace', async () => {
  dns.answers = { [NAME]: { fail: 'servfail' } };
  const { t, changes } = tracker();
  const carried = new Map([
    [NAME, { name: NAME, addresses: ['192.0.2.50'], resolvedAt: '2026-12-01T00:00:00Z' }],
  ]);
  await Promise.all([t.want('a/p', [NAME], carried), t.want('b/q', [NAME])]);
  expect(t.addressesFor('a/p').get(NAME)).toEqual(['192.0.2.50']);
  expect(t.addressesFor('b/q').get(NAME)).toBeUndefined(); // never another profile's
  expect(t.report('a/p')?.message).toBe(
    `${NAME}: server failure (SERVFAIL); last good addresses kept (192.0.2.50)`,
  );
  dns.answers = { [NAME]: { a: ['192.0.2.51'], ttl: 1 } };
  await until(() => t.report('a/p')?.resolved === true);
  // The answer lacks .50: it leaves now, and stays for the grace period (300 ms), for a/p only.
  expect(t.addressesFor('a/p').get(NAME)).toEqual(['192.0.2.50', '192.0.2.51']);
  expect(t.addressesFor('b/q').get(NAME)).toEqual(['192.0.2.51']);
  await until(() => t.addressesFor('a/p').get(NAME)?.join() === '192.0.2.51');
  expect(changes.flat()).toContain('a/p');
  t.stop();
});
