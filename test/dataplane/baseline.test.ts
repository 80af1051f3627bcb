// The namespace baseline on packets: a new namespace is blocked both ways (and from its DNS), the
// opt-out label lifts that, and with the baseline-allow-dns setting its pods reach the cluster DNS
// and nothing else. Each starts from a control: the same pods in an opted-out namespace connect.
import { randomBytes } from 'node:crypto';
import { BASELINE_OPT_OUT_LABEL, BASELINE_POLICY_NAME } from '../../src/compiler/index.js';
import type { Operator } from '../../src/controller/operator.js';
import { isNotFound } from '../../src/kube/errors.js';
import { networkPolicy } from '../../src/kube/paths.js';
import { eventually } from '../helpers/cluster.js';
import { CLUSTER_DNS, type Dataplane, type Host } from './dataplane.js';
import { recordLatency } from './latency.js';
import { type Check, lines, timeUntil, untilObserved } from './observe.js';
import { describeDataplane, OPTED_OUT, setUpDataplane, startOperator, tearDownDataplane } from './suite.js';
import { judgeAndRecord } from './verdicts.js';
import { applyNamespace } from './world.js';

let dataplane: Dataplane;
let operator: Operator | undefined;

const baselinePresent = (ns: string) =>
  dataplane.rest
    .get<{ spec: Record<string, unknown> }>(networkPolicy(ns, BASELINE_POLICY_NAME))
    .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));

/** A namespace with a client and a server, plus a pod outside it that serves too. */
async function world(prefix: string, labels: Record<string, string>): Promise<Record<string, Host>> {
  const ns = `${prefix}-${randomBytes(2).toString('hex')}`;
  await applyNamespace(dataplane, ns, labels);
  if (!labels[BASELINE_OPT_OUT_LABEL])
    await eventually('the baseline policy', () => baselinePresent(ns), 20_000, 10);
  const outsideNs = `${prefix}-outside-${randomBytes(2).toString('hex')}`;
  await applyNamespace(dataplane, outsideNs, OPTED_OUT);
  const port = { port: 8080, protocol: 'TCP' as const };
  const [client, server, outside] = await Promise.all([
    dataplane.addPod({ namespace: ns, name: 'client', labels: { app: 'client' }, ports: [port] }),
    dataplane.addPod({ namespace: ns, name: 'server', labels: { app: 'server' }, ports: [port] }),
    dataplane.addPod({ namespace: outsideNs, name: 'outside', labels: { app: 'outside' }, ports: [port] }),
  ]);
  const dns = dataplane.pod(CLUSTER_DNS.namespace, CLUSTER_DNS.name);
  await dataplane.serve(dns, [{ port: 5353, protocol: 'UDP' }]);
  return { client, server, outside, dns };
}

const checks = (allowed: { inside: boolean; dns: boolean; otherToDns?: boolean }): Check[] => [
  { from: 'client', to: 'server', port: 8080, allowed: allowed.inside },
  { from: 'server', to: 'client', port: 8080, allowed: allowed.inside },
  { from: 'outside', to: 'server', port: 8080, allowed: allowed.inside },
  { from: 'server', to: 'outside', port: 8080, allowed: allowed.inside },
  { from: 'client', to: 'dns', port: 53, protocol: 'UDP', allowed: allowed.dns },
  { from: 'client', to: 'dns', port: 53, protocol: 'TCP', allowed: allowed.dns },
  { from: 'client', to: 'dns', port: 5353, protocol: 'UDP', allowed: allowed.otherToDns ?? allowed.inside },
];

describeDataplane('dataplane: the namespace baseline on packets', () => {
  beforeAll(async () => ({ dataplane, operator } = await setUpDataplane()));
  afterAll(() => tearDownDataplane(dataplane, operator));

  it('blocks a new namespace both ways and from its DNS; the opt-out label lifts it', async () => {
    const control = await world('baseline-control', OPTED_OUT);
    const open = await untilObserved(dataplane, control, checks({ inside: true, dns: true }));
    expect(lines(open, 'connected')).toEqual(lines(open, 'allowed'));

    const hosts = await world('baseline', {});
    const expected = checks({ inside: false, dns: false });
    const blocked = await untilObserved(dataplane, hosts, expected);
    expect(lines(blocked, 'connected')).toEqual(lines(expected, 'allowed'));
    expect(await judgeAndRecord(dataplane, 'baseline', blocked)).toEqual([]);

    const ns = (hosts.client as Host & { namespace: string }).namespace;
    await applyNamespace(dataplane, ns, OPTED_OUT);
    const written = Date.now();
    const lifted = await timeUntil(
      dataplane,
      hosts.client as Host,
      (hosts.server as Host).ipv4,
      8080,
      'TCP',
      true,
      written,
    );
    recordLatency('baseline opt-out label: client -> server allowed', 'allow', lifted);
    const after = await untilObserved(dataplane, hosts, checks({ inside: true, dns: true }));
    expect(lines(after, 'connected')).toEqual(lines(after, 'allowed'));
    expect(await judgeAndRecord(dataplane, 'baseline opted out', after)).toEqual([]);
  });

  it('with baseline-allow-dns, a new namespace reaches the cluster DNS on port 53 and nothing else', async () => {
    await operator?.stop();
    operator = await startOperator(['--baseline-allow-dns=true']);
    const hosts = await world('baseline-dns', {});
    const expected = checks({ inside: false, dns: true, otherToDns: false });
    const observed = await untilObserved(dataplane, hosts, expected);
    expect(lines(observed, 'connected')).toEqual(lines(expected, 'allowed'));
    expect(await judgeAndRecord(dataplane, 'baseline with DNS', observed)).toEqual([]);
  });
});
