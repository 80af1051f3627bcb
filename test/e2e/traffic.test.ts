// End to end on a cluster whose CNI enforces NetworkPolicy (kind >= 0.24 with kindnet), with the
// operator deployed by `make deploy`: the sample profiles are applied, real pods are started and
// real TCP connections are tried. What flows and what is blocked must match the hand-written
// probes of test/helpers/scenarios.ts, the same ones the unit and integration tests judge.
// Run by `make e2e-kind` (test/e2e/kind.sh); skipped, and reported as skipped, anywhere else.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import {
  BASELINE_OPT_OUT_LABEL,
  BASELINE_OPT_OUT_VALUE,
  BASELINE_POLICY_NAME,
} from '../../src/compiler/index.js';
import { namespace as namespacePath, networkPolicy, profile } from '../../src/kube/paths.js';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually } from '../helpers/cluster.js';
import { CLIENT_PROGRAM, SERVER_PROGRAM } from '../helpers/probe-programs.js';
import { loadSample } from '../helpers/samples.js';
import { type Probe, SCENARIOS } from '../helpers/scenarios.js';
import { describeIf } from '../helpers/skip.js';
import {
  EXISTING_NAMESPACE,
  KIND_PROVIDER,
  type PodToStart,
  servedPortArg,
  trafficPlan,
} from '../helpers/traffic-plan.js';

const KUBECONFIG = process.env.APPTRUST_E2E_KUBECONFIG;
// The operator's own image carries node: test pods use it as server and client, so the test pulls
// nothing beyond what `make e2e-kind` loaded into the cluster.
const IMAGE = process.env.APPTRUST_E2E_IMAGE ?? 'apptrust-operator:e2e';
if (!KUBECONFIG)
  console.warn(
    'APPTRUST_E2E_KUBECONFIG is not set: the kind end-to-end test is skipped (make e2e-kind needs Docker)',
  );
const describeOnCluster = describeIf(
  KUBECONFIG,
  'APPTRUST_E2E_KUBECONFIG is not set (make e2e-kind needs Docker and kind)',
);
const run = promisify(execFile);
const FIELD_MANAGER = 'apptrust-e2e';

let rest: KubeRest;

function podManifest(start: PodToStart) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: start.pod.name, namespace: start.pod.namespace, labels: start.pod.labels },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'probe',
          image: IMAGE,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '-e', SERVER_PROGRAM, ...start.ports.map(servedPortArg)],
          // Ports below 1024 (80, 443) need root inside the container.
          securityContext: { runAsUser: 0 },
        },
      ],
    },
  };
}

async function applyNamespace(name: string, labels: Record<string, string>): Promise<void> {
  await rest.apply(
    namespacePath(name),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
    FIELD_MANAGER,
  );
}

async function startPods(
  pods: PodToStart[],
): Promise<Record<string, { namespace: string; name: string; ip: string }>> {
  const started: Record<string, { namespace: string; name: string; ip: string }> = {};
  for (const start of pods) {
    if (start.pod.namespace === EXISTING_NAMESPACE) continue;
    await rest.apply(
      `/api/v1/namespaces/${start.pod.namespace}/pods/${start.pod.name}`,
      podManifest(start),
      FIELD_MANAGER,
    );
  }
  for (const start of pods) {
    const { namespace, name } = start.pod;
    started[start.endpoint] = await eventually(
      `${namespace}/${name} running`,
      async () => {
        const selector = Object.entries(start.pod.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        const list = await rest.get<{
          items: Array<{ metadata: { name: string }; status: { phase?: string; podIP?: string } }>;
        }>(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: selector });
        const pod = list.items.find((p) => p.status.phase === 'Running' && p.status.podIP);
        return pod ? { namespace, name: pod.metadata.name, ip: pod.status.podIP as string } : undefined;
      },
      180_000,
      500,
    );
  }
  return started;
}

/** Tries one TCP connection from a pod; true when it was established. */
async function connects(
  from: { namespace: string; name: string },
  ip: string,
  port: number,
): Promise<boolean> {
  try {
    await run('kubectl', [
      '--kubeconfig',
      KUBECONFIG as string,
      'exec',
      '-n',
      from.namespace,
      from.name,
      '--',
      'node',
      '-e',
      CLIENT_PROGRAM,
      ip,
      String(port),
    ]);
    return true;
  } catch {
    return false;
  }
}

async function observe(
  probes: Probe[],
  pods: Record<string, { namespace: string; name: string; ip: string }>,
): Promise<string[]> {
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
async function untilObserved(
  what: string,
  probes: Probe[],
  pods: Record<string, { namespace: string; name: string; ip: string }>,
): Promise<void> {
  const want = JSON.stringify(expected(probes));
  await eventually(
    what,
    async () => (JSON.stringify(await observe(probes, pods)) === want ? true : undefined),
    90_000,
    2_000,
  ).catch(async () => expect(await observe(probes, pods)).toEqual(expected(probes)));
}

describeOnCluster('kind: real traffic matches the intent', () => {
  beforeAll(() => {
    const kc = new KubeConfig();
    kc.loadFromFile(KUBECONFIG as string);
    rest = new KubeRest(kc);
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
