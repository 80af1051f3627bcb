// Issue 10, "Audit on packets: traffic unchanged". A profile enforced and probed; switched to Audit
// with a changed spec (a flow added, one removed): probed continuously across the switch until
// well after the operator has reported Audit for that generation, every sample keeps its enforced
// outcome and the policies are not written; back to Enforce, the probes follow the new spec (which
// proves the change would have changed the traffic). Controls: with no profile every probe connects.
// Every probe, the samples across the switch included, is judged by the evaluator on the live world.
import { randomBytes } from 'node:crypto';
import { COMPONENT_LABEL, type NetworkPolicy, renderProfile } from '../../src/compiler/index.js';
import type { Operator } from '../../src/controller/operator.js';
import { networkPolicies, profile as profilePath } from '../../src/kube/paths.js';
import { eventually } from '../helpers/cluster.js';
import type { Dataplane, Host } from './dataplane.js';
import { recordLatency } from './latency.js';
import {
  type Check,
  lines,
  type Observed,
  observe,
  observedSamples,
  probeContinuously,
  timeUntil,
  untilObserved,
} from './observe.js';
import { applyProfile } from './profiles.js';
import { attachDataplane, describeDataplane, OPTED_OUT, startOperator, tearDownDataplane } from './suite.js';
import { judgeAndRecord } from './verdicts.js';
import { applyNamespace } from './world.js';

const ns = `audit-${randomBytes(2).toString('hex')}`;
/** How long the probes go on after the operator reported Audit (write -> enforcement is ~10-60 ms here). */
const SETTLE_MS = 1000;

const profile = (mode: 'Enforce' | 'Audit', allow: Array<{ from: string; port: number }>) => ({
  apiVersion: 'apptrust.dev/v1alpha1',
  kind: 'AppTrustProfile',
  metadata: { name: 'staged', namespace: ns },
  spec: {
    mode,
    isolate: ['Ingress'],
    components: [{ name: 'server', podSelector: { matchLabels: { app: 'server' } } }],
    allow: allow.map((a) => ({
      from: { podSelector: { matchLabels: { app: a.from } } },
      to: { component: 'server' },
      ports: [{ port: a.port }],
    })),
  },
});

// v1 enforced: client -> 8080 and other -> 9090. v2: client -> 8080 removed, client -> 9090 added.
const V1 = [
  { from: 'client', port: 8080 },
  { from: 'other', port: 9090 },
];
const V2 = [
  { from: 'client', port: 9090 },
  { from: 'other', port: 9090 },
];
const REMOVED: Check = { from: 'client', to: 'server', port: 8080, allowed: true };
const ADDED: Check = { from: 'client', to: 'server', port: 9090, allowed: false };
const checks = (spec: typeof V1): Check[] =>
  [
    ['client', 8080],
    ['client', 9090],
    ['other', 9090],
    ['other', 8080],
  ].map(([from, port]) => ({
    from: from as string,
    to: 'server',
    port: port as number,
    allowed: spec.some((a) => a.from === from && a.port === port),
  }));

let dataplane: Dataplane;
let operator: Operator | undefined;
let hosts: Record<string, Host>;

interface Status {
  metadata: { generation: number };
  status?: {
    conditions?: Array<{ type: string; status: string; reason: string; observedGeneration?: number }>;
    audit?: { create?: string[]; update?: string[]; delete?: string[] };
  };
}

/** The profile once the operator has reported `reason` for its current generation. */
const reported = (reason: string) =>
  eventually(`the profile reported ${reason}`, async () => {
    const p = await dataplane.rest.get<Status>(profilePath(ns, 'staged'));
    const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'True' &&
      ready.reason === reason &&
      ready.observedGeneration === p.metadata.generation
      ? p
      : undefined;
  });

/** The policies in the namespace: name, resourceVersion and spec (what a write would change). */
const policies = async () =>
  (
    await dataplane.rest.get<{
      items: Array<NetworkPolicy & { metadata: { resourceVersion: string } }>;
    }>(networkPolicies(ns))
  ).items
    .map((p) => ({ name: p.metadata.name, resourceVersion: p.metadata.resourceVersion, spec: p.spec }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));

const expectAgreement = async (test: string, observed: Observed[]) =>
  expect(await judgeAndRecord(dataplane, test, observed)).toEqual([]);

describeDataplane('dataplane: Audit on packets — traffic unchanged (issue 10)', () => {
  beforeAll(async () => {
    dataplane = attachDataplane();
    await applyNamespace(dataplane, ns, OPTED_OUT);
    const ports = [
      { port: 8080, protocol: 'TCP' as const },
      { port: 9090, protocol: 'TCP' as const },
    ];
    const [client, other, server] = await Promise.all([
      dataplane.addPod({ namespace: ns, name: 'client', labels: { app: 'client' } }),
      dataplane.addPod({ namespace: ns, name: 'other', labels: { app: 'other' } }),
      dataplane.addPod({ namespace: ns, name: 'server', labels: { app: 'server' }, ports }),
    ]);
    hosts = { client, other, server };
    operator = await startOperator();
  });
  afterAll(() => tearDownDataplane(dataplane, operator));

  it('a profile switched to Audit with a changed spec keeps every probe as enforced; back to Enforce, the new spec applies', async () => {
    const open = checks(V1).map((c) => ({ ...c, allowed: true }));
    const control = await untilObserved(dataplane, hosts, open);
    expect(lines(control, 'connected')).toEqual(lines(open, 'allowed'));
    await expectAgreement('audit: control', control);

    await applyProfile(dataplane, profile('Enforce', V1));
    await reported('Reconciled');
    const enforced = await untilObserved(dataplane, hosts, checks(V1));
    expect(lines(enforced, 'connected')).toEqual(lines(checks(V1), 'allowed'));
    await expectAgreement('audit: v1 enforced', enforced);
    const before = await policies();

    // Across the switch: the removed flow and the added one, probed every 5 ms.
    const probe = (c: Check) =>
      probeContinuously(dataplane, hosts[c.from] as Host, (hosts[c.to] as Host).ipv4, c.port, 'TCP', {
        everyMs: 5,
        timeoutMs: 300,
      });
    const across = [REMOVED, ADDED].map((c) => ({ check: c, probe: probe(c) }));
    await applyProfile(dataplane, profile('Audit', V2));
    const audited = await reported('Audit');
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const samples = await Promise.all(
      across.map(async ({ check, probe }) =>
        observedSamples(check, hosts[check.from] as Host, hosts[check.to] as Host, await probe.stop()),
      ),
    );
    // Every sample as enforced before the switch: the removed flow still connects, the added one not.
    expect(samples.map((s) => [s.length > 50, s.filter((o) => o.connected !== o.allowed).length])).toEqual([
      [true, 0],
      [true, 0],
    ]);
    const during = await observe(dataplane, hosts, checks(V1));
    expect(lines(during, 'connected')).toEqual(lines(checks(V1), 'allowed'));
    // No policy written; status says what enforcing would change.
    expect(await policies()).toEqual(before);
    const server = renderProfile(profile('Enforce', V2)).policies.find(
      (p) => p.metadata.labels?.[COMPONENT_LABEL] === 'server',
    ) as NetworkPolicy;
    expect(audited.status?.audit?.update).toEqual([server.metadata.name]);
    expect(
      await judgeAndRecord(dataplane, 'audit: across the switch to Audit', samples.flat(), {
        continuous: true,
      }),
    ).toEqual([]);
    await expectAgreement('audit: v2 in Audit', during);

    // Back to Enforce: the new spec on packets.
    const written = await applyProfile(dataplane, profile('Enforce', V2));
    const allowed = await timeUntil(
      dataplane,
      hosts.client as Host,
      (hosts.server as Host).ipv4,
      ADDED.port,
      'TCP',
      true,
      written,
    );
    recordLatency('Audit back to Enforce: the added flow allowed', 'allow', allowed);
    await reported('Reconciled');
    const after = await untilObserved(dataplane, hosts, checks(V2));
    expect(lines(after, 'connected')).toEqual(lines(checks(V2), 'allowed'));
    expect(await policies()).not.toEqual(before);
    await expectAgreement('audit: v2 enforced', after);
    console.log(
      `Audit on packets: ${samples.map((s, i) => `${s.length} samples of ${across[i]?.check.from} -> ${across[i]?.check.to}:${across[i]?.check.port}, all ${across[i]?.check.allowed ? 'connected' : 'blocked'}`).join('; ')} ` +
        `across the switch to Audit (until ${SETTLE_MS} ms after the operator reported it); back to Enforce the added flow connected ${allowed.ms?.toFixed(0)} ms after the write`,
    );
  });
});
