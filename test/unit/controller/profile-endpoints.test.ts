// The profile reconciler with fqdn and service inputs, without a cluster: what it renders from
// them, what it reports in status (status.fqdn, DNSResolved), one Warning per new DNS problem, and
// forgetting a deleted profile's names.
import { pino } from 'pino';
import type { ProfileStatus } from '../../../src/api/v1alpha1/index.js';
import type { NetworkPolicy } from '../../../src/compiler/index.js';
import type { DnsReport } from '../../../src/controller/fqdn-tracker.js';
import type { ProfileEndpoints, ProfileObject } from '../../../src/controller/profile-reconciler.js';
import { FakeCluster } from '../../helpers/fake-cluster.js';
import { fakeClusterReconciler } from '../../helpers/profile-reconciler.js';

const NS = 'shop';
const KEY = `${NS}/pay`;
const NAME = 'api.payments.example';
const log = pino({ level: 'silent' });

const profile = (): ProfileObject =>
  ({
    apiVersion: 'apptrust.dev/v1alpha1',
    kind: 'AppTrustProfile',
    metadata: { name: 'pay', namespace: NS, uid: 'u-pay', generation: 1 },
    spec: {
      allowDNS: false,
      isolate: ['Egress'],
      components: [{ name: 'payments', podSelector: { matchLabels: { app: 'payments' } } }],
      allow: [{ from: { component: 'payments' }, to: { fqdn: NAME }, ports: [{ port: 443 }] }],
    },
  }) as ProfileObject;

function setup() {
  const cluster = new FakeCluster();
  cluster.putNamespace({ metadata: { name: NS } });
  cluster.putProfile(profile());
  cluster.sync();
  let report: DnsReport = {
    resolved: true,
    reason: 'Resolved',
    message: '1 DNS name resolved',
    fqdn: [{ name: NAME, addresses: ['192.0.2.1'], resolvedAt: 'R', expiresAt: 'E' }],
  };
  const calls: string[] = [];
  const endpoints: ProfileEndpoints = {
    prepare: async (key) => {
      calls.push(`prepare ${key}`);
      return { fqdn: new Map([[NAME, ['192.0.2.1']]]) };
    },
    forget: (key) => calls.push(`forget ${key}`),
    report: () => report,
  };
  const reconciler = fakeClusterReconciler(cluster, { endpoints });
  const converge = async () => {
    await reconciler.reconcile(KEY, { log, signal: new AbortController().signal });
    cluster.sync();
  };
  const setReport = (r: DnsReport) => {
    report = r;
  };
  return { cluster, converge, calls, setReport };
}

it('renders from the prepared inputs and reports the DNS state; one Warning per new problem; forgets a deleted profile', async () => {
  const { cluster, converge, calls, setReport } = setup();
  await converge();
  const policy = cluster.policy(`${NS}/pay.payments`) as NetworkPolicy;
  expect(policy.spec.egress).toEqual([
    { to: [{ ipBlock: { cidr: '192.0.2.1/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
  ]);
  const status = () => cluster.profile(KEY)?.status as ProfileStatus;
  expect(status().fqdn).toEqual([{ name: NAME, addresses: ['192.0.2.1'], resolvedAt: 'R', expiresAt: 'E' }]);
  expect(status().conditions?.find((c) => c.type === 'DNSResolved')).toMatchObject({
    status: 'True',
    reason: 'Resolved',
  });
  expect(cluster.events.filter((e) => e.reason === 'DNSResolutionFailed')).toEqual([]);

  const failing: DnsReport = {
    resolved: false,
    reason: 'ResolutionFailed',
    message: `${NAME}: timed out; last good addresses kept (192.0.2.1)`,
    fqdn: [{ name: NAME, addresses: ['192.0.2.1'], resolvedAt: 'R', expiresAt: 'E', error: 'timed out' }],
  };
  setReport(failing);
  await converge();
  await converge(); // the same problem again: no second Warning
  expect(
    cluster.events.filter((e) => e.reason === 'DNSResolutionFailed').map((e) => [e.type, e.note]),
  ).toEqual([['Warning', failing.message]]);
  expect(status().conditions?.find((c) => c.type === 'DNSResolved')).toMatchObject({
    status: 'False',
    reason: 'ResolutionFailed',
  });
  expect(cluster.policy(`${NS}/pay.payments`)).toMatchObject({ spec: policy.spec }); // enforcement unchanged

  cluster.deleteProfile(KEY);
  cluster.sync();
  await converge();
  expect(calls).toContain(`forget ${KEY}`);
});
