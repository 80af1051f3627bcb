// Issue 10, "no unprotected window", on packets. config/admission is applied to the tier's control
// plane and the operator runs as its own ServiceAccount (the identity the marker guard names), the
// baseline on. Namespaces and their pods are created in a tight loop: each pod POSTed right after
// its namespace and retried like a controller on refusal, its network up and probing a server (TCP
// and UDP) from the instant it can send. Asserted for every namespace: the pod was created after
// the baseline and the marker were stored (etcd revisions), no connection was made and not a single
// TCP connection or UDP datagram reached the server; each sample is judged by the evaluator too.
// Controls: the same loop in an opted-out namespace connects from its first sample (the probe path
// works), and a namespace created while the operator is down shows the gate refusing.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { BASELINE_POLICY_NAME } from '../../src/compiler/index.js';
import { PROTECTED_LABEL } from '../../src/controller/baseline-scope.js';
import type { Operator } from '../../src/controller/operator.js';
import { KubeApiError } from '../../src/kube/errors.js';
import { Informer } from '../../src/kube/informer.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { namespace as namespacePath, namespaces, networkPolicies } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import {
  applyAdmission,
  deleteAdmission,
  grantOperatorAccount,
  OPERATOR_NAMESPACE,
  podBody,
  removeOperatorAccount,
} from '../helpers/baseline.js';
import { eventually, testKubeConfig } from '../helpers/cluster.js';
import { startTestOperator } from '../helpers/operator.js';
import { serviceAccountKubeConfig } from '../helpers/service-account.js';
import type { Dataplane, PodHandle, ProbeResult } from './dataplane.js';
import { type ContinuousProbe, type Observed, observedSamples, probeContinuously } from './observe.js';
import { attachDataplane, describeDataplane, OPTED_OUT } from './suite.js';
import { judgeAndRecord } from './verdicts.js';

/** The ServiceAccount config/admission's marker guard names (apptrust-system/apptrust-operator). */
const ACCOUNT = 'apptrust-operator';
/** Namespaces of the strict check (pods' IPs known to the enforcer from the start, as with its NRI hook). */
const NAMESPACES = 10;
/** Namespaces in a kubelet's order (network before the IPs are published): the enforcer's own window. */
const KUBELET_ORDER_NAMESPACES = 3;
/** How long each new pod probes once it can send. */
const PROBE_FOR_MS = 400;
const PORTS = [
  { port: 8080, protocol: 'TCP' as const },
  { port: 5353, protocol: 'UDP' as const },
];
const suffix = randomBytes(2).toString('hex');

let dataplane: Dataplane;
let admin: KubeRest;
let operator: Operator | undefined;
let server: PodHandle;
const seen = {
  baseline: new Map<string, { at: number; rv: number }>(),
  marker: new Map<string, { at: number; rv: number }>(),
};
const informers: Informer<KubeObject>[] = [];

async function startOperator(): Promise<void> {
  await operator?.stop();
  const run = startTestOperator([], {}, await serviceAccountKubeConfig(admin, OPERATOR_NAMESPACE, ACCOUNT));
  operator = run.operator;
  await run.started;
}

async function stopOperator(): Promise<void> {
  await operator?.stop();
  operator = undefined;
}

async function createNamespace(name: string, labels: Record<string, string> = {}) {
  const stored = await admin.request<{ metadata: { resourceVersion: string } }>({
    method: 'POST',
    path: namespaces(),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
  });
  return { at: Date.now(), rv: Number(stored.metadata.resourceVersion) };
}

/** 'admitted', or the refusal (a dry run: nothing is created). */
async function dryRunPod(ns: string): Promise<string> {
  try {
    await admin.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/pods`,
      query: { dryRun: 'All' },
      body: podBody(ns, 'dry-run'),
    });
    return 'admitted';
  } catch (error) {
    if (error instanceof KubeApiError && error.reason === 'Forbidden') return error.message;
    throw error;
  }
}

interface NewPod {
  pod: PodHandle;
  refusals: number;
  refusal?: string;
  samples: Record<string, ProbeResult[]>;
}

/**
 * The pod of a new namespace, created as a controller would: POSTed at once, retried on refusal
 * (client-go's per-item backoff: 5 ms, doubling, capped at 1 s); probing the server on every port
 * from the moment its network works until PROBE_FOR_MS later.
 */
async function newPod(ns: string, publishIpFirst: boolean): Promise<NewPod> {
  let refusals = 0;
  let refusal: string | undefined;
  const probes: Record<string, ContinuousProbe> = {};
  for (let delay = 5; ; delay = Math.min(delay * 2, 1000)) {
    try {
      const pod = await dataplane.addPod(
        { namespace: ns, name: 'new', labels: { app: 'new' } },
        {
          publishIpFirst,
          onNetworkUp: async (p) => {
            for (const { port, protocol } of PORTS)
              probes[`${port}/${protocol}`] = probeContinuously(dataplane, p, server.ipv4, port, protocol, {
                everyMs: 5,
                timeoutMs: 300,
              });
            await Promise.all(Object.values(probes).map((probe) => probe.first()));
          },
        },
      );
      await new Promise((r) => setTimeout(r, PROBE_FOR_MS));
      const samples: Record<string, ProbeResult[]> = {};
      for (const [key, probe] of Object.entries(probes)) samples[key] = await probe.stop();
      return { pod, refusals, ...(refusal ? { refusal } : {}), samples };
    } catch (error) {
      if (!(error instanceof KubeApiError && error.reason === 'Forbidden')) throw error;
      refusals++;
      refusal = error.message;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The samples as probes of the record (the evaluator judges them on the world read afterwards). */
function observed(pod: PodHandle, samples: Record<string, ProbeResult[]>, allowed: boolean): Observed[] {
  return PORTS.flatMap(({ port, protocol }) =>
    observedSamples(
      { from: 'new', to: 'server', port, protocol, allowed },
      pod,
      server,
      samples[`${port}/${protocol}`] ?? [],
    ),
  );
}

/** What reached the server from the pod's addresses (TCP connections accepted, UDP datagrams). */
async function receivedFrom(pod: PodHandle): Promise<number> {
  const received = await dataplane.received(server);
  return [pod.ipv4, pod.ipv6]
    .filter((ip): ip is string => ip !== undefined)
    .reduce((sum, ip) => sum + (received[ip]?.tcp ?? 0) + (received[ip]?.udp ?? 0), 0);
}

interface Row {
  ns: string;
  order: 'IPs first' | 'kubelet order';
  /** Epoch ms, from the namespace's creation. */
  baseline: number;
  marker: number;
  admitted: number;
  firstProbe: number;
  refusals: number;
  samples: number;
  connected: number;
  connectedBeforeIpPublished: number;
  received: number;
}

const round = (x: number) => Math.round(x);
function stats(values: number[]): { median: number; worst: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: round(sorted[Math.floor((sorted.length - 1) / 2)] as number),
    worst: round(sorted[sorted.length - 1] as number),
  };
}

/** One namespace of the tight loop: created, its pod at once, probes; the row of its timeline. */
async function protectedNamespace(
  name: string,
  publishIpFirst: boolean,
  whileCreating?: () => Promise<void>,
): Promise<Row> {
  const created = await createNamespace(name);
  const running = newPod(name, publishIpFirst);
  await whileCreating?.();
  const { pod, refusals, refusal, samples } = await running;
  // A refusal is the gate's, saying why (not another admission error).
  if (refusals > 0) expect(refusal).toContain('apptrust-baseline-gate');
  const timeline = dataplane.timeline(pod);
  if (!timeline) throw new Error(`no timeline for ${name}`);
  await eventually('the watch to deliver the baseline and the marker', async () =>
    seen.baseline.has(name) && seen.marker.has(name) ? true : undefined,
  );
  const baseline = seen.baseline.get(name) as { at: number; rv: number };
  const marker = seen.marker.get(name) as { at: number; rv: number };
  // The order in which the API server stored them (etcd revisions): namespace, baseline, marker, pod.
  expect([
    created.rv < baseline.rv,
    baseline.rv < marker.rv,
    marker.rv < Number(timeline.createdResourceVersion),
  ]).toEqual([true, true, true]);
  const all = Object.values(samples).flat();
  const first = Math.min(...all.map((s) => s.startedAt));
  // Every sample was sent after the baseline was stored: the pod did not exist before.
  expect(first).toBeGreaterThan(timeline.admitted - 1);
  const received = await receivedFrom(pod);
  const connected = all.filter((s) => s.connected);
  const row: Row = {
    ns: name,
    order: publishIpFirst ? 'IPs first' : 'kubelet order',
    baseline: baseline.at - created.at,
    marker: marker.at - created.at,
    admitted: timeline.admitted - created.at,
    firstProbe: first - created.at,
    refusals,
    samples: all.length,
    connected: connected.length,
    connectedBeforeIpPublished: connected.filter((s) => s.startedAt < timeline.ipPublished).length,
    received,
  };
  const kubeletOrder = () =>
    'kubelet order: the enforcer judges a pod only once its IP is published, and these samples span that moment (a transition: timing, not judged)';
  const disagreements = await judgeAndRecord(
    dataplane,
    `no window: ${name} (${row.order})`,
    observed(pod, samples, false),
    { continuous: true, ...(publishIpFirst ? {} : { leftOut: kubeletOrder }) },
  );
  expect(disagreements).toEqual([]);
  // The baseline holds in the end, in either order.
  expect(
    PORTS.map((p) => (samples[`${p.port}/${p.protocol}`] ?? []).slice(-3).some((s) => s.connected)),
  ).toEqual(PORTS.map(() => false));
  await dataplane.removePod(pod);
  return row;
}

describeDataplane('dataplane: no unprotected window — the admission gate on packets (issue 10)', () => {
  beforeAll(async () => {
    dataplane = attachDataplane();
    admin = dataplane.rest;
    await grantOperatorAccount(admin, ACCOUNT);
    await applyAdmission(admin);
    // The first start writes the baseline record (when no earlier test did), which the gate reads.
    await startOperator();
    const serverNs = `no-window-server-${suffix}`;
    await createNamespace(serverNs, OPTED_OUT);
    server = await dataplane.addPod({
      namespace: serverNs,
      name: 'server',
      labels: { app: 'server' },
      ports: PORTS,
    });
    const log = pino({ level: 'silent' });
    const policies = new Informer<KubeObject>(admin, testKubeConfig(), { path: networkPolicies() }, log);
    const nsInformer = new Informer<KubeObject>(admin, testKubeConfig(), { path: namespaces() }, log);
    policies.on((_e, p) => {
      const ns = p.metadata.namespace as string;
      if (p.metadata.name === BASELINE_POLICY_NAME && !seen.baseline.has(ns))
        seen.baseline.set(ns, { at: Date.now(), rv: Number(p.metadata.resourceVersion) });
    });
    nsInformer.on((_e, n) => {
      if (n.metadata.labels?.[PROTECTED_LABEL] === 'true' && !seen.marker.has(n.metadata.name))
        seen.marker.set(n.metadata.name, { at: Date.now(), rv: Number(n.metadata.resourceVersion) });
    });
    informers.push(policies, nsInformer);
    for (const i of informers) i.start();
    await Promise.all(informers.map((i) => i.waitForSync()));
  });

  afterAll(async () => {
    for (const i of informers) i.stop();
    await stopOperator();
    if (admin) {
      await deleteAdmission(admin);
      // The API server drops the policies within about a second: wait, so that the next test files
      // (the operator as the test admin, new namespaces' pods) are not judged by them.
      const probe = `no-window-after-${suffix}`;
      await createNamespace(probe);
      await eventually('the gate to be gone', async () =>
        (await dryRunPod(probe)) === 'admitted' ? true : undefined,
      );
      await eventually('the marker guard to be gone', async () =>
        admin
          .request({
            method: 'PATCH',
            path: namespacePath(probe),
            query: { dryRun: 'All' },
            contentType: 'application/merge-patch+json',
            body: { metadata: { labels: { [PROTECTED_LABEL]: 'true' } } },
          })
          .then(
            () => true,
            () => undefined,
          ),
      );
      await removeOperatorAccount(admin, ACCOUNT);
    }
    dataplane?.close();
  });

  it('no packet crosses before the baseline: namespaces and pods created in a tight loop', async () => {
    // The gate is in force: with the operator down, a new namespace's pod is refused, saying why.
    await stopOperator();
    const down = `no-window-down-${suffix}`;
    await createNamespace(down);
    const refusal = await eventually("the gate to refuse a new namespace's pod", async () => {
      const answer = await dryRunPod(down);
      return answer === 'admitted' ? undefined : answer;
    });
    expect(refusal).toContain('apptrust-baseline-gate');
    expect(refusal).toContain(`kubectl label namespace ${down} apptrust.dev/baseline=disabled`);

    // Control: in an opted-out namespace the same loop connects from the first sample: the probe
    // path works from the instant a pod can send, and the server counts what it received.
    const controlNs = `no-window-control-${suffix}`;
    await createNamespace(controlNs, OPTED_OUT);
    const control = await newPod(controlNs, true);
    const controlSamples = Object.values(control.samples);
    expect(controlSamples.map((s) => s[0]?.connected)).toEqual(PORTS.map(() => true));
    expect(controlSamples.flat().every((s) => s.connected)).toBe(true);
    expect(await receivedFrom(control.pod)).toBeGreaterThan(0);
    expect(control.refusals).toBe(0);
    expect(
      await judgeAndRecord(
        dataplane,
        `no window: control ${controlNs}`,
        observed(control.pod, control.samples, true),
        { continuous: true },
      ),
    ).toEqual([]);
    await dataplane.removePod(control.pod);

    const rows: Row[] = [];
    // A namespace created while the operator is down: its pod is refused until the operator,
    // started a second later, has put the baseline in place.
    rows.push(
      await protectedNamespace(`no-window-late-${suffix}`, true, async () => {
        await new Promise((r) => setTimeout(r, 1000));
        await startOperator();
      }),
    );
    expect(rows[0]?.refusals).toBeGreaterThan(0);
    for (let i = 0; i < NAMESPACES; i++)
      rows.push(await protectedNamespace(`no-window-${i}-${suffix}`, true));
    for (let i = 0; i < KUBELET_ORDER_NAMESPACES; i++)
      rows.push(await protectedNamespace(`no-window-kubelet-${i}-${suffix}`, false));

    const strict = rows.filter((r) => r.order === 'IPs first');
    // Zero: no connection made, not one TCP connection or UDP datagram received by the server.
    expect(strict.map((r) => [r.ns, r.connected, r.received])).toEqual(strict.map((r) => [r.ns, 0, 0]));
    const kubelet = rows.filter((r) => r.order === 'kubelet order');
    const tight = rows.slice(1, 1 + NAMESPACES);
    const report = {
      namespaces: rows.length,
      tightLoop: {
        namespaces: tight.length,
        msFromNamespaceCreated: {
          baselineSeen: stats(tight.map((r) => r.baseline)),
          markerSeen: stats(tight.map((r) => r.marker)),
          podAdmitted: stats(tight.map((r) => r.admitted)),
          firstProbe: stats(tight.map((r) => r.firstProbe)),
        },
        refusals: tight.reduce((s, r) => s + r.refusals, 0),
        samples: tight.reduce((s, r) => s + r.samples, 0),
        connected: tight.reduce((s, r) => s + r.connected, 0),
        receivedByServer: tight.reduce((s, r) => s + r.received, 0),
      },
      operatorDown: rows[0],
      kubeletOrder: kubelet.map((r) => ({
        ns: r.ns,
        connected: r.connected,
        connectedBeforeIpPublished: r.connectedBeforeIpPublished,
        received: r.received,
      })),
    };
    console.log(
      `no unprotected window (ms from namespace created; baseline and marker as a watch saw them, the stored order namespace < baseline < marker < pod is asserted on etcd revisions):\n  ${rows
        .map(
          (r) =>
            `${r.ns} (${r.order}): baseline ${round(r.baseline)} -> marker ${round(r.marker)} -> pod admitted ${round(r.admitted)} (${r.refusals} refusals) -> first probe ${round(r.firstProbe)}; ${r.connected}/${r.samples} samples connected${r.connected ? ` (${r.connectedBeforeIpPublished} before its IP was published)` : ''}, ${r.received} received by the server`,
        )
        .join('\n  ')}\n${JSON.stringify(report, null, 2)}`,
    );
  });
});
