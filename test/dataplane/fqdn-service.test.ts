// Intents in the words people use, on packets (issue 20): `to: {fqdn}` through a real DNS server in
// a network namespace whose answers change (the new address allowed and the old one blocked within
// TTL + grace; a failing resolver leaves traffic as it was), and `to: {service}` through a Service
// selector change. Prints (and records in dataplane-latency.jsonl) the time from a DNS change and
// from a Service change to enforcement on packets.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINE_OPT_OUT_LABEL, BASELINE_OPT_OUT_VALUE } from '../../src/compiler/index.js';
import type { Operator } from '../../src/controller/operator.js';
import { services } from '../../src/kube/paths.js';
import type { Dataplane, Host } from './dataplane.js';
import { type DnsNamespace, startDnsNamespace } from './dns-namespace.js';
import { RESULTS_DIR, recordLatency } from './latency.js';
import { type Check, lines, timeUntil, untilObserved } from './observe.js';
import { applyProfile, waitReady } from './profiles.js';
import { attachDataplane, describeDataplane, startOperator } from './suite.js';
import { judgeAndRecord } from './verdicts.js';
import { applyNamespace } from './world.js';

const NAME = 'api.payments.example';
const TTL_S = 1;
const GRACE_S = 2;
const suffix = randomBytes(2).toString('hex');
const GW_OLD = '203.0.113.61';
const GW_NEW = '203.0.113.62';
const GW_OTHER = '203.0.113.63';

let dataplane: Dataplane;
let operator: Operator | undefined;
let dns: DnsNamespace | undefined;
const measured: string[] = [];
/** A DNS change is no policy write: its times go to a file of their own, not the tier's latency records. */
const MEASURED_FILE = join(RESULTS_DIR, 'dataplane-fqdn-service.jsonl');
const record = (entry: Record<string, unknown>) => {
  mkdirSync(RESULTS_DIR, { recursive: true });
  appendFileSync(MEASURED_FILE, `${JSON.stringify(entry)}\n`);
};

/** A profile that isolates egress only (DNS not allowed) and lets pods app=`app` reach `to` on `port`. */
const egressOnlyProfile = (
  ns: string,
  name: string,
  app: string,
  to: Record<string, string>,
  port: number | string,
) => ({
  apiVersion: 'apptrust.dev/v1alpha1',
  kind: 'AppTrustProfile',
  metadata: { name, namespace: ns },
  spec: {
    isolate: ['Egress'],
    allowDNS: false,
    components: [{ name: app, podSelector: { matchLabels: { app } } }],
    allow: [{ from: { component: app }, to, ports: [{ port }] }],
  },
});

describeDataplane('dataplane: fqdn and service endpoints on packets', () => {
  beforeAll(async () => {
    dataplane = attachDataplane();
    dns = await startDnsNamespace(dataplane.stateDir, { [NAME]: { a: [GW_OLD], ttl: TTL_S } });
    operator = await startOperator([
      `--fqdn-resolver=${dns.server}`,
      '--fqdn-min-ttl=1s',
      '--fqdn-max-ttl=1s',
      `--fqdn-grace=${GRACE_S}s`,
    ]);
  });
  afterAll(async () => {
    await operator?.stop();
    await dns?.stop();
    dataplane?.close();
    if (measured.length > 0) process.stderr.write(`${measured.join('\n')}\n`);
  });

  it('to: {fqdn}: follows an address change within TTL + grace; a failing resolver keeps traffic as it was', async () => {
    const ns = `fqdn-${suffix}`;
    await applyNamespace(dataplane, ns, { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
    const hosts: Record<string, Host> = {
      payments: await dataplane.addPod({ namespace: ns, name: 'payments', labels: { app: 'payments' } }),
      old: await dataplane.addExternal({
        name: 'gw-old',
        ip: GW_OLD,
        ports: [{ port: 443, protocol: 'TCP' }],
      }),
      new: await dataplane.addExternal({
        name: 'gw-new',
        ip: GW_NEW,
        ports: [{ port: 443, protocol: 'TCP' }],
      }),
      other: await dataplane.addExternal({
        name: 'other',
        ip: GW_OTHER,
        ports: [{ port: 443, protocol: 'TCP' }],
      }),
    };
    const checks = (old: boolean, fresh: boolean): Check[] => [
      { from: 'payments', to: 'old', port: 443, allowed: old },
      { from: 'payments', to: 'new', port: 443, allowed: fresh },
      { from: 'payments', to: 'other', port: 443, allowed: false },
    ];
    const control = await untilObserved(
      dataplane,
      hosts,
      checks(true, true).map((c) => ({ ...c, allowed: true })),
    );
    expect(lines(control, 'connected')).toEqual(lines(control, 'allowed'));

    await applyProfile(dataplane, egressOnlyProfile(ns, 'pay', 'payments', { fqdn: NAME }, 443));
    await waitReady(dataplane, ns, 'pay');
    const before = await untilObserved(dataplane, hosts, checks(true, false));
    expect(lines(before, 'connected')).toEqual(lines(before, 'allowed'));
    expect(await judgeAndRecord(dataplane, 'fqdn before the change', before)).toEqual([]);

    // The answer changes: the new address within the TTL, the old one blocked after TTL + grace.
    const changed = Date.now();
    dns?.setAnswers({ [NAME]: { a: [GW_NEW], ttl: TTL_S } });
    const payments = hosts.payments as Host;
    const [allowNew, blockOld] = await Promise.all([
      timeUntil(dataplane, payments, GW_NEW, 443, 'TCP', true, changed, 15_000),
      timeUntil(dataplane, payments, GW_OLD, 443, 'TCP', false, changed, 15_000),
    ]);
    record({ what: 'DNS change -> new address allowed', ttlS: TTL_S, ms: allowNew.ms ?? null });
    record({
      what: 'DNS change -> old address blocked',
      ttlS: TTL_S,
      graceS: GRACE_S,
      ms: blockOld.ms ?? null,
    });
    measured.push(
      `DNS change -> new address allowed on packets: ${allowNew.ms} ms (TTL ${TTL_S} s); old address blocked: ${blockOld.ms} ms (TTL ${TTL_S} s + grace ${GRACE_S} s)`,
    );
    expect(allowNew.ms).toBeDefined();
    expect(blockOld.ms).toBeDefined();
    expect(allowNew.ms as number).toBeLessThanOrEqual((TTL_S + 1) * 1000);
    // Not before the grace is over (the old address stays for long connections and caches) ...
    expect(blockOld.ms as number).toBeGreaterThanOrEqual(GRACE_S * 1000);
    // ... and within TTL + grace (+ 1 s: a resolution, a write and the enforcer's sync).
    expect(blockOld.ms as number).toBeLessThanOrEqual((TTL_S + GRACE_S + 1) * 1000);
    const after = await untilObserved(dataplane, hosts, checks(false, true));
    expect(lines(after, 'connected')).toEqual(lines(after, 'allowed'));

    // The resolver fails: nothing widens, nothing is dropped, long past TTL + grace.
    dns?.setAnswers({ [NAME]: { fail: 'servfail' } });
    await new Promise((r) => setTimeout(r, (TTL_S + GRACE_S + 2) * 1000));
    const failing = await untilObserved(dataplane, hosts, checks(false, true), 4, 2_000);
    expect(lines(failing, 'connected')).toEqual(lines(failing, 'allowed'));
    expect(await judgeAndRecord(dataplane, 'fqdn with a failing resolver', failing)).toEqual([]);
    const status = await dataplane.rest.get<{
      status?: { conditions?: Array<{ type: string; status: string; message: string }> };
    }>(`/apis/apptrust.dev/v1alpha1/namespaces/${ns}/apptrustprofiles/pay`);
    expect(status.status?.conditions?.find((c) => c.type === 'DNSResolved')).toMatchObject({
      status: 'False',
      message: `${NAME}: server failure (SERVFAIL); last good addresses kept (${GW_NEW})`,
    });
  });

  it('to: {service}: the Service selector decides, and a selector change moves enforcement', async () => {
    const ns = `svc-${suffix}`;
    await applyNamespace(dataplane, ns, { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
    const serve = [{ port: 8080, protocol: 'TCP' as const, name: 'web' }];
    const hosts: Record<string, Host> = {
      frontend: await dataplane.addPod({ namespace: ns, name: 'frontend', labels: { app: 'frontend' } }),
      v1: await dataplane.addPod({
        namespace: ns,
        name: 'backend-v1',
        labels: { app: 'backend', track: 'v1' },
        ports: serve,
      }),
      v2: await dataplane.addPod({
        namespace: ns,
        name: 'backend-v2',
        labels: { app: 'backend', track: 'v2' },
        ports: serve,
      }),
    };
    const service = (track: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'backend', namespace: ns },
      spec: { selector: { app: 'backend', track }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] },
    });
    await dataplane.rest.apply(`${services(ns)}/backend`, service('v1'), 'apptrust-dataplane-test');
    await applyProfile(dataplane, egressOnlyProfile(ns, 'shop', 'frontend', { service: 'backend' }, 'http'));
    await waitReady(dataplane, ns, 'shop');
    const checks = (v1: boolean, v2: boolean): Check[] => [
      { from: 'frontend', to: 'v1', port: 8080, allowed: v1 },
      { from: 'frontend', to: 'v2', port: 8080, allowed: v2 },
    ];
    const before = await untilObserved(dataplane, hosts, checks(true, false));
    expect(lines(before, 'connected')).toEqual(lines(before, 'allowed'));
    expect(await judgeAndRecord(dataplane, 'service before the selector change', before)).toEqual([]);

    const changed = Date.now();
    await dataplane.rest.apply(`${services(ns)}/backend`, service('v2'), 'apptrust-dataplane-test');
    const frontend = hosts.frontend as Host;
    const [allowV2, blockV1] = await Promise.all([
      timeUntil(dataplane, frontend, (hosts.v2 as Host).ipv4, 8080, 'TCP', true, changed),
      timeUntil(dataplane, frontend, (hosts.v1 as Host).ipv4, 8080, 'TCP', false, changed),
    ]);
    // A Service write is what moves enforcement here: the tier's write -> enforcement records.
    recordLatency('service: selector change -> new pods allowed', 'allow', allowV2);
    recordLatency('service: selector change -> old pods blocked', 'block', blockV1);
    record({ what: 'Service selector change -> new pods allowed', ms: allowV2.ms ?? null });
    record({ what: 'Service selector change -> old pods blocked', ms: blockV1.ms ?? null });
    measured.push(
      `Service selector change -> new pods allowed on packets: ${allowV2.ms} ms; old pods blocked: ${blockV1.ms} ms`,
    );
    expect(allowV2.ms).toBeDefined();
    expect(blockV1.ms).toBeDefined();
    const after = await untilObserved(dataplane, hosts, checks(false, true));
    expect(lines(after, 'connected')).toEqual(lines(after, 'allowed'));
    expect(await judgeAndRecord(dataplane, 'service after the selector change', after)).toEqual([]);
  });
});
