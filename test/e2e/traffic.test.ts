// End to end on a kind cluster whose NetworkPolicies kube-network-policies enforces (make e2e-kind:
// hack/kind builds the cluster, the operator is deployed with make deploy, then with Helm): the
// sample profiles are applied, real pods of the test-server image are started and real TCP
// connections are tried. What flows and what is blocked must match the hand-written probes of
// test/helpers/scenarios.ts, the same ones the unit, integration and dataplane tests judge.
// Skipped, with the reason, anywhere else.
import {
  BASELINE_OPT_OUT_LABEL,
  BASELINE_OPT_OUT_VALUE,
  BASELINE_POLICY_NAME,
} from '../../src/compiler/index.js';
import { namespace as namespacePath, networkPolicy, profile } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { eventually } from '../helpers/cluster.js';
import { loadSample } from '../helpers/samples.js';
import { type Probe, SCENARIOS } from '../helpers/scenarios.js';
import { EXISTING_NAMESPACE, KIND_PROVIDER, type PodToStart, trafficPlan } from '../helpers/traffic-plan.js';
import {
  applyNamespace as applyNamespaceTo,
  connects,
  describeOnKind,
  FIELD_MANAGER,
  kindRest,
  podManifest,
  type RunningPod,
  waitRunning,
} from './kind-cluster.js';

let rest: KubeRest;
const applyNamespace = (name: string, labels: Record<string, string>) => applyNamespaceTo(rest, name, labels);

async function startPods(pods: PodToStart[]): Promise<Record<string, RunningPod>> {
  const started: Record<string, RunningPod> = {};
  for (const start of pods) {
    if (start.pod.namespace === EXISTING_NAMESPACE) continue;
    await rest.apply(
      `/api/v1/namespaces/${start.pod.namespace}/pods/${start.pod.name}`,
      podManifest(start),
      FIELD_MANAGER,
    );
  }
  for (const start of pods)
    started[start.endpoint] = await waitRunning(rest, start.pod.namespace, start.pod.labels);
  return started;
}

async function observe(probes: Probe[], pods: Record<string, RunningPod>): Promise<string[]> {
  const lines: string[] = [];
  for (const probe of probes) {
    const from = pods[probe.from];
    const to = pods[probe.to];
    if (!from || !to) throw new Error(`probe ${probe.from} -> ${probe.to}: pod missing`);
    const allowed = await connects(from, to.ip, probe.port);
    lines.push(`${probe.from} -> ${probe.to}:${probe.port} ${allowed ? 'allowed' : 'blocked'}`);
  }
  return lines;
}

const expected = (probes: Probe[]) =>
  probes.map((p) => `${p.from} -> ${p.to}:${p.port} ${p.allowed ? 'allowed' : 'blocked'}`);

/** Waits until the observed traffic is the expectation (the CNI programs policies asynchronously). */
async function untilObserved(what: string, probes: Probe[], pods: Record<string, RunningPod>): Promise<void> {
  const want = JSON.stringify(expected(probes));
  await eventually(
    what,
    async () => (JSON.stringify(await observe(probes, pods)) === want ? true : undefined),
    90_000,
    2_000,
  ).catch(async () => expect(await observe(probes, pods)).toEqual(expected(probes)));
}

describeOnKind('kind: real traffic matches the intent', () => {
  beforeAll(() => {
    rest = kindRest();
  });
  afterAll(() => rest?.close());

  describe.each(SCENARIOS)('sample $example', (scenario) => {
    const plan = trafficPlan(scenario, KIND_PROVIDER);

    it('allows exactly the declared flows', async () => {
      // The probes judge the profile alone, as the scenarios are written: no baseline here.
      for (const ns of plan.namespaces)
        await applyNamespace(ns, { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
      const pods = await startPods(plan.pods);
      const sample = loadSample(scenario.example) as { metadata: { name: string; namespace: string } };
      const path = profile(sample.metadata.namespace, sample.metadata.name);
      // Control: without the profile every probe connects, so the servers listen and a blocked
      // probe later is the policy's doing.
      await rest.delete(path).catch(() => undefined);
      const open = plan.probes.map((p) => ({ ...p, allowed: true }));
      await untilObserved('every probe to connect before the profile', open, pods);

      await rest.apply(path, sample, FIELD_MANAGER);
      await eventually(
        `${scenario.example} Ready`,
        async () => {
          const p = await rest.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
            path,
          );
          return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
            ? true
            : undefined;
        },
        60_000,
      );
      await untilObserved('the traffic the profile declares', plan.probes, pods);
    });
  });

  it('the baseline blocks a new namespace, and its opt-out label lifts it', async () => {
    const ns = `e2e-baseline-${Date.now().toString(36)}`;
    await applyNamespace(ns, {});
    const client = {
      endpoint: 'client',
      pod: { name: 'client', namespace: ns, labels: { app: 'client' }, ip: '' },
      ports: [],
    };
    const server = {
      endpoint: 'server',
      pod: { name: 'server', namespace: ns, labels: { app: 'server' }, ip: '' },
      ports: [{ port: 8080, protocol: 'TCP' as const }],
    };
    await eventually(
      'the baseline policy',
      () => rest.get(networkPolicy(ns, BASELINE_POLICY_NAME)).catch(() => undefined),
      60_000,
    );
    // The admission gate admits pods once the operator has marked the namespace protected.
    await eventually('the protected marker', async () => {
      const n = await rest.get<{ metadata: { labels?: Record<string, string> } }>(namespacePath(ns));
      return n.metadata.labels?.['apptrust.dev/baseline-protected'] === 'true' ? true : undefined;
    });
    const pods = await startPods([client, server]);
    await untilObserved(
      'the baseline to block',
      [{ from: 'client', to: 'server', port: 8080, allowed: false }],
      pods,
    );
    await applyNamespace(ns, { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
    await untilObserved(
      'traffic once the baseline is gone',
      [{ from: 'client', to: 'server', port: 8080, allowed: true }],
      pods,
    );
    await rest.delete(namespacePath(ns));
  });
});
