// Drift on packets: an owned policy edited to allow everything. With the operator running, the
// extra flow is blocked again almost at once (the time is printed); with the operator stopped, the
// same edit really opens the flow on packets (the control: the rig sees edits), and a starting
// operator closes it again.
import { randomBytes } from 'node:crypto';
import { COMPONENT_LABEL, type NetworkPolicy, renderProfile } from '../../src/compiler/index.js';
import type { Operator } from '../../src/controller/operator.js';
import { networkPolicy } from '../../src/kube/paths.js';
import { eventually } from '../helpers/cluster.js';
import type { Dataplane, Host } from './dataplane.js';
import { recordLatency } from './latency.js';
import { type Check, lines, timeUntil, untilObserved } from './observe.js';
import { applyProfile, waitReady } from './profiles.js';
import { attachDataplane, describeDataplane, OPTED_OUT, startOperator, tearDownDataplane } from './suite.js';
import { judgeAndRecord } from './verdicts.js';
import { applyNamespace } from './world.js';

let dataplane: Dataplane;
let operator: Operator | undefined;
let hosts: Record<string, Host>;
const ns = `drift-${randomBytes(2).toString('hex')}`;

// Ingress only: the server's policy alone decides who reaches it, so one edit opens a flow.
const PROFILE = {
  apiVersion: 'apptrust.dev/v1alpha1',
  kind: 'AppTrustProfile',
  metadata: { name: 'drift', namespace: ns },
  spec: {
    isolate: ['Ingress'],
    components: [
      { name: 'client', podSelector: { matchLabels: { app: 'client' } } },
      { name: 'server', podSelector: { matchLabels: { app: 'server' } } },
    ],
    allow: [{ from: { component: 'client' }, to: { component: 'server' }, ports: [{ port: 8080 }] }],
  },
};
/** The server's policy as the compiler renders it: its name is derived there, never by hand. */
const rendered = renderProfile(PROFILE).policies.find(
  (p) => p.metadata.labels?.[COMPONENT_LABEL] === 'server',
) as NetworkPolicy;
const CHECKS: Check[] = [
  { from: 'intruder', to: 'server', port: 8080, allowed: false },
  { from: 'client', to: 'server', port: 8080, allowed: true },
];

/** Edits the owned policy to allow every peer on every port, keeping its owner and labels. */
async function allowEverything(): Promise<number> {
  const path = networkPolicy(ns, rendered.metadata.name);
  const live = await dataplane.rest.get<NetworkPolicy & { metadata: Record<string, unknown> }>(path);
  await dataplane.rest.request({
    method: 'PUT',
    path,
    body: { ...live, spec: { ...live.spec, ingress: [{}] } },
  });
  return Date.now();
}

const intruderToServer = (connected: boolean, since: number) =>
  timeUntil(dataplane, hosts.intruder as Host, (hosts.server as Host).ipv4, 8080, 'TCP', connected, since);

describeDataplane('dataplane: drift on packets', () => {
  beforeAll(async () => {
    dataplane = attachDataplane();
    await applyNamespace(dataplane, ns, OPTED_OUT);
    const port = [{ port: 8080, protocol: 'TCP' as const }];
    const [client, server, intruder] = await Promise.all([
      dataplane.addPod({ namespace: ns, name: 'client', labels: { app: 'client' } }),
      dataplane.addPod({ namespace: ns, name: 'server', labels: { app: 'server' }, ports: port }),
      dataplane.addPod({ namespace: ns, name: 'intruder', labels: { app: 'intruder' } }),
    ]);
    hosts = { client, server, intruder };
    const open = await untilObserved(
      dataplane,
      hosts,
      CHECKS.map((c) => ({ ...c, allowed: true })),
    );
    expect(lines(open, 'connected')).toEqual(lines(open, 'allowed'));
    operator = await startOperator();
    await applyProfile(dataplane, PROFILE);
    await waitReady(dataplane, ns, 'drift');
    const enforced = await untilObserved(dataplane, hosts, CHECKS);
    expect(lines(enforced, 'connected')).toEqual(lines(enforced, 'allowed'));
  });
  afterAll(() => tearDownDataplane(dataplane, operator));

  it('an owned policy edited to allow everything: the extra flow is blocked again', async () => {
    const edited = await allowEverything();
    const again = await intruderToServer(false, edited);
    // The window is only a write -> enforcement time when it was seen open at all; probes start
    // a few milliseconds after the edit, so a faster repair is never observed.
    if (again.sawOther)
      recordLatency('owned policy edited to allow all: intruder blocked again', 'block', again);
    console.log(
      again.sawOther
        ? `drift: the edited policy opened the flow on packets; blocked again ${again.ms?.toFixed(0)} ms after the edit`
        : `drift: the opening was never observed on packets: every probe from ${again.ms?.toFixed(0)} ms after the edit on was blocked`,
    );
    expect(again.ms).toBeDefined();
    const restored = await dataplane.rest.get<NetworkPolicy>(networkPolicy(ns, rendered.metadata.name));
    expect(restored.spec).toEqual(rendered.spec);
    const observed = await untilObserved(dataplane, hosts, CHECKS);
    expect(lines(observed, 'connected')).toEqual(lines(observed, 'allowed'));
    expect(await judgeAndRecord(dataplane, 'drift repaired', observed)).toEqual([]);
  });

  it('control: with the operator stopped the same edit opens the flow on packets; a starting operator closes it', async () => {
    await operator?.stop();
    operator = undefined;
    const edited = await allowEverything();
    const opened = await intruderToServer(true, edited);
    recordLatency('policy edited to allow all (no operator): intruder allowed', 'allow', opened);
    expect(opened.ms).toBeDefined();
    operator = await startOperator();
    const closed = await eventually(
      'the intruder blocked again',
      async () =>
        (await dataplane.probe(hosts.intruder as Host, (hosts.server as Host).ipv4, 8080)).connected
          ? undefined
          : true,
      20_000,
    );
    expect(closed).toBe(true);
  });
});
