// The operator as a user runs it, on a real kubelet (make e2e-kind; once installed with make deploy,
// once with the Helm chart): two replicas electing a leader, the admission gate holding back a
// Deployment's pods until the baseline is in place, drift repaired, the leader's pod deleted, a
// rollout to a new image tag, and the logs and metrics read from the pods. The baseline window and
// the other timings measured here go to test-results/e2e-kind-<installer>-numbers.json.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import {
  BASELINE_OPT_OUT_LABEL,
  BASELINE_OPT_OUT_VALUE,
  BASELINE_POLICY_NAME,
} from '../../src/compiler/index.js';
import { namespace as namespacePath, networkPolicy, profile } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { eventually } from '../helpers/cluster.js';
import { frontendBackendProfile } from '../helpers/profiles.js';
import {
  applyNamespace,
  connects,
  describeOnKind,
  FIELD_MANAGER,
  INSTALLER,
  KUBECONFIG,
  KUBECTL,
  kindRest,
  kubectl,
  OPERATOR_NAMESPACE,
  serverContainer,
  TEST_IMAGE,
  waitRunning,
} from './kind-cluster.js';

const run = promisify(execFile);
const NEXT_TAG = process.env.APPTRUST_E2E_NEXT_TAG ?? 'e2e-next';
const IMAGE_REPO = process.env.APPTRUST_E2E_IMAGE_REPO ?? 'apptrust-operator';
const HELM = process.env.APPTRUST_E2E_HELM ?? 'helm';
const numbers: Record<string, unknown> = { installer: INSTALLER };
let rest: KubeRest;
const suffix = Date.now().toString(36);

interface Lease {
  spec: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}
const lease = () =>
  rest.get<Lease>(`/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NAMESPACE}/leases/apptrust-operator`);
/** The leader's pod: the holder identity is "<pod name>_<process uuid>". */
const leaderPod = async () => (await lease()).spec.holderIdentity?.split('_')[0];

interface PodList {
  items: Array<{
    metadata: { name: string; creationTimestamp: string; deletionTimestamp?: string };
    spec: { containers: Array<{ image: string }> };
    status: { phase?: string; conditions?: Array<{ type: string; status: string }> };
  }>;
}
const operatorPods = async () =>
  (
    await rest.get<PodList>(`/api/v1/namespaces/${OPERATOR_NAMESPACE}/pods`, {
      labelSelector: 'app.kubernetes.io/name=apptrust-operator',
    })
  ).items.filter((p) => !p.metadata.deletionTimestamp);
const isReady = (p: PodList['items'][number]) =>
  p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

async function profileReady(namespace: string, name: string): Promise<true | undefined> {
  const p = await rest.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
    profile(namespace, name),
  );
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
}

/** A profile: frontend may reach backend on 8080, nothing else. */
const webProfile = (namespace: string) => frontendBackendProfile('web', namespace);

async function startPod(namespace: string, name: string, labels: Record<string, string>, ports: string[]) {
  await rest.apply(
    `/api/v1/namespaces/${namespace}/pods/${name}`,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels },
      spec: { terminationGracePeriodSeconds: 0, containers: [serverContainer(ports)] },
    },
    FIELD_MANAGER,
  );
  return waitRunning(rest, namespace, labels);
}

describeOnKind(`kind: the operator on a real kubelet (${INSTALLER})`, () => {
  beforeAll(() => {
    rest = kindRest();
  });
  afterAll(() => {
    mkdirSync('test-results', { recursive: true });
    writeFileSync(`test-results/e2e-kind-${INSTALLER}-numbers.json`, `${JSON.stringify(numbers, null, 2)}\n`);
    rest?.close();
  });

  it('runs two ready replicas, one of them the leader, with JSON logs and metrics', async () => {
    const pods = await eventually(
      'two ready operator pods',
      async () => {
        const list = await operatorPods();
        return list.length === 2 && list.every(isReady) ? list : undefined;
      },
      180_000,
      1000,
    );
    const holder = await eventually('a leader', leaderPod, 60_000, 500);
    expect(pods.map((p) => p.metadata.name)).toContain(holder);
    for (const pod of pods) {
      const logs = await kubectl('logs', '-n', OPERATOR_NAMESPACE, pod.metadata.name);
      const first = JSON.parse(logs.split('\n')[0] as string) as { msg: string; level: number };
      expect(typeof first.msg).toBe('string');
      expect(first.level).toBeGreaterThanOrEqual(30);
    }
    // /metrics is guarded (TokenReview + SubjectAccessReview): read from inside the leader's pod (the
    // namespace's NetworkPolicy admits only the monitoring namespace on 8080) with the token of a
    // ServiceAccount bound to apptrust-metrics-reader, and refused without one.
    const scraper = `e2e-scraper-${suffix}`;
    await applyNamespace(rest, scraper, { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
    await rest.apply(
      `/api/v1/namespaces/${scraper}/serviceaccounts/scraper`,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'scraper', namespace: scraper } },
      FIELD_MANAGER,
    );
    await rest.apply(
      `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${scraper}`,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: scraper },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'apptrust-metrics-reader',
        },
        subjects: [{ kind: 'ServiceAccount', name: 'scraper', namespace: scraper }],
      },
      FIELD_MANAGER,
    );
    const token = (await kubectl('create', 'token', 'scraper', '-n', scraper)).trim();
    const scrape = (bearer: string) =>
      kubectl(
        'exec',
        '-n',
        OPERATOR_NAMESPACE,
        holder,
        '--',
        'node',
        '-e',
        "fetch('http://127.0.0.1:8080/metrics',{headers:process.argv[1]?{authorization:'Bearer '+process.argv[1]}:{}}).then(async(r)=>console.log(r.status+'\\n'+(await r.text())))",
        bearer,
      );
    expect((await scrape('')).split('\n')[0]).toBe('401');
    const metrics = await eventually(
      'the leader metrics',
      async () => {
        const text = await scrape(token);
        return text.startsWith('200') && text.includes('leader_election_master_status') ? text : undefined;
      },
      30_000,
      1000,
    );
    await rest
      .delete(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${scraper}`)
      .catch(() => undefined);
    await rest.delete(namespacePath(scraper)).catch(() => undefined);
    expect(metrics).toMatch(/^leader_election_master_status\{[^}]*\} 1$/m);
    expect(metrics).toMatch(/^apptrust_build_info\{/m);
  }, 300_000);

  it('holds back a Deployment created with its namespace until the baseline is in place; the enforcer window closes', async () => {
    // A server in a namespace without a baseline, which the new namespace's pod tries from its
    // first moment: every attempt must fail, because the pod can exist only after the baseline.
    const serverNs = `e2e-window-server-${suffix}`;
    await applyNamespace(rest, serverNs, { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
    const server = await startPod(serverNs, 'server', { app: 'server' }, ['8080']);
    const control = await startPod(serverNs, 'control', { app: 'control' }, []);
    expect(await connects(control, server.ip, 8080)).toBe(true);

    const ns = `e2e-window-${suffix}`;
    // Every 50 ms a fresh connection; each attempt logs one line: "connected T" or "blocked T".
    const loop = `const net=require('node:net');setInterval(()=>{const t=Date.now();let done=false;const s=net.connect({host:'${server.ip}',port:8080});const end=(o)=>{if(!done){done=true;console.log(o+' '+t);s.destroy()}};s.on('connect',()=>end('connected'));s.on('error',()=>end('blocked'));setTimeout(()=>end('blocked'),300)},50);`;
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'client', namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'client' } },
        template: {
          metadata: { labels: { app: 'client' } },
          spec: {
            terminationGracePeriodSeconds: 0,
            containers: [
              { name: 'client', image: TEST_IMAGE, imagePullPolicy: 'Never', command: ['node', '-e', loop] },
            ],
          },
        },
      },
    };
    const t0 = Date.now();
    await Promise.all([
      applyNamespace(rest, ns, {}),
      // The Deployment may reach the API server a moment before its namespace exists: retry.
      eventually(
        'the Deployment created',
        () => rest.apply(`/apis/apps/v1/namespaces/${ns}/deployments/client`, deployment, FIELD_MANAGER),
        10_000,
        20,
      ),
    ]);
    const baselineAt = await eventually(
      'the baseline policy',
      async () =>
        (await rest.get(networkPolicy(ns, BASELINE_POLICY_NAME)).catch(() => undefined))
          ? Date.now()
          : undefined,
      60_000,
      20,
    );
    const ready = await eventually(
      'the ReplicaSet converged through the gate',
      async () => {
        const d = await rest.get<{ status?: { readyReplicas?: number } }>(
          `/apis/apps/v1/namespaces/${ns}/deployments/client`,
        );
        return d.status?.readyReplicas === 2 ? Date.now() : undefined;
      },
      180_000,
      200,
    );
    const events = await rest.get<{ items: Array<{ reason: string; message: string }> }>(
      `/api/v1/namespaces/${ns}/events`,
    );
    const refused = events.items.filter((e) => e.reason === 'FailedCreate').length;
    const pods = await rest.get<PodList>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'app=client' });
    const policy = await rest.get<{ metadata: { creationTimestamp: string } }>(
      networkPolicy(ns, BASELINE_POLICY_NAME),
    );
    for (const pod of pods.items)
      expect(Date.parse(pod.metadata.creationTimestamp)).toBeGreaterThanOrEqual(
        Date.parse(policy.metadata.creationTimestamp),
      );
    // Let the clients try for a while after they run, then read what they saw. The operator's part
    // is exact: no pod existed before the baseline (above). Below it, kube-network-policies judges
    // only pods whose IP it has learnt (its nftables set is filled from the API's status.podIPs), so
    // a new pod's first connections can pass until then, baseline or not (README, "No unprotected
    // window"): measured here as the enforcer's window, and it must close.
    await new Promise((r) => setTimeout(r, 5000));
    const windows: number[] = [];
    let passed = 0;
    for (const pod of pods.items) {
      const attempts = (await kubectl('logs', '-n', ns, pod.metadata.name))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const [outcome, at] = l.split(' ');
          return { outcome, at: Number(at) };
        });
      expect(attempts.length).toBeGreaterThan(40);
      const connected = attempts.filter((a) => a.outcome === 'connected');
      passed += connected.length;
      const first = attempts[0]?.at ?? 0;
      windows.push(connected.length ? (connected[connected.length - 1]?.at ?? first) - first : 0);
      // Closed: the last 40 attempts (2 s) were all blocked.
      expect(attempts.slice(-40).every((a) => a.outcome === 'blocked')).toBe(true);
    }
    numbers.enforcerWindowMs = windows;
    numbers.connectionsBeforeEnforcerKnewPod = passed;
    expect(Math.max(...windows)).toBeLessThan(3000);
    numbers.baselineVisibleMs = baselineAt - t0;
    numbers.replicaSetReadyMs = ready - t0;
    numbers.podCreatesRefusedByGate = refused;
    await rest.delete(namespacePath(ns)).catch(() => undefined);
    await rest.delete(namespacePath(serverNs)).catch(() => undefined);
  }, 300_000);

  it('repairs drift of a generated policy, and the traffic it blocks stays blocked', async () => {
    const ns = `e2e-drift-${suffix}`;
    await applyNamespace(rest, ns, { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
    const backend = await startPod(ns, 'backend', { role: 'backend' }, ['8080']);
    const frontend = await startPod(ns, 'frontend', { role: 'frontend' }, []);
    const other = await startPod(ns, 'other', { role: 'other' }, []);
    await rest.apply(profile(ns, 'web'), webProfile(ns), FIELD_MANAGER);
    await eventually('web Ready', () => profileReady(ns, 'web'), 60_000, 200);
    const blockedAgain = async () =>
      (await connects(frontend, backend.ip, 8080)) && !(await connects(other, backend.ip, 8080))
        ? true
        : undefined;
    await eventually('frontend allowed, other blocked', blockedAgain, 60_000, 1000);

    const path = networkPolicy(ns, 'web.backend');
    const before = await rest.get<{ metadata: { uid: string } }>(path);
    await rest.delete(path);
    const repairedAt = Date.now();
    const after = await eventually(
      'the deleted policy recreated',
      async () => {
        const p = await rest.get<{ metadata: { uid: string } }>(path).catch(() => undefined);
        return p && p.metadata.uid !== before.metadata.uid ? p : undefined;
      },
      30_000,
      20,
    );
    numbers.driftRecreateMs = Date.now() - repairedAt;
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    // An edit that would open the backend to every pod is put back.
    await run(KUBECTL, [
      '--kubeconfig',
      KUBECONFIG as string,
      'patch',
      'networkpolicy',
      '-n',
      ns,
      'web.backend',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/ingress/0/from"}]',
    ]);
    await eventually(
      'the edited policy restored',
      async () => {
        const p = await rest.get<{ spec: { ingress?: Array<{ from?: unknown[] }> } }>(path);
        return p.spec.ingress?.[0]?.from?.length ? true : undefined;
      },
      30_000,
      20,
    );
    await eventually('frontend allowed, other blocked after the repair', blockedAgain, 60_000, 1000);
    await rest.delete(namespacePath(ns)).catch(() => undefined);
  }, 300_000);

  it('fails over when the leader pod is deleted, and the new leader reconciles', async () => {
    const old = await eventually('a leader', leaderPod, 60_000, 500);
    const t0 = Date.now();
    await kubectl('delete', 'pod', '-n', OPERATOR_NAMESPACE, old, '--wait=false');
    const next = await eventually(
      'another leader',
      async () => {
        const h = await leaderPod();
        return h && h !== old ? h : undefined;
      },
      90_000,
      200,
    );
    numbers.failoverMs = Date.now() - t0;
    expect(next).not.toBe(old);
    const ns = `e2e-failover-${suffix}`;
    await applyNamespace(rest, ns, { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
    await rest.apply(profile(ns, 'web'), webProfile(ns), FIELD_MANAGER);
    await eventually('a profile reconciled by the new leader', () => profileReady(ns, 'web'), 60_000, 200);
    await eventually(
      'two ready replicas again',
      async () => {
        const list = await operatorPods();
        return list.length === 2 && list.every(isReady) ? true : undefined;
      },
      180_000,
      1000,
    );
    await rest.delete(namespacePath(ns)).catch(() => undefined);
  }, 300_000);

  it('rolls out a new image tag without a gap: a leader holds the lease and a profile changed meanwhile is reconciled', async () => {
    let worstLeaseAgeMs = 0;
    let samples = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const l = await lease().catch(() => undefined);
        if (l?.spec.renewTime) {
          worstLeaseAgeMs = Math.max(worstLeaseAgeMs, Date.now() - Date.parse(l.spec.renewTime));
          samples++;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const t0 = Date.now();
    if (INSTALLER === 'helm')
      await run(HELM, [
        '--kubeconfig',
        KUBECONFIG as string,
        'upgrade',
        'apptrust-operator',
        'config/helm/apptrust-operator',
        '-n',
        OPERATOR_NAMESPACE,
        '--reuse-values',
        '--set',
        `image.tag=${NEXT_TAG}`,
      ]);
    else
      await run(
        'make',
        ['--no-print-directory', 'deploy', `IMG=${IMAGE_REPO}:${NEXT_TAG}`, `KUBECTL=${KUBECTL}`],
        {
          env: { ...process.env, KUBECONFIG: KUBECONFIG as string },
        },
      );
    const ns = `e2e-rollout-${suffix}`;
    await applyNamespace(rest, ns, { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
    await rest.apply(profile(ns, 'web'), webProfile(ns), FIELD_MANAGER);
    await kubectl(
      'rollout',
      'status',
      '-n',
      OPERATOR_NAMESPACE,
      'deployment/apptrust-operator',
      '--timeout=300s',
    );
    await eventually(
      'the profile changed during the rollout reconciled',
      () => profileReady(ns, 'web'),
      60_000,
      200,
    );
    watching = false;
    await watcher;
    numbers.rolloutMs = Date.now() - t0;
    numbers.rolloutWorstLeaseAgeMs = worstLeaseAgeMs;
    const pods = await operatorPods();
    expect(pods.map((p) => p.spec.containers[0]?.image)).toEqual(
      [`${IMAGE_REPO}:${NEXT_TAG}`, `${IMAGE_REPO}:${NEXT_TAG}`].slice(0, pods.length),
    );
    expect(samples).toBeGreaterThan(0);
    // The lease (15 s) never lapsed: a leader renewed it throughout the rollout.
    expect(worstLeaseAgeMs).toBeLessThan(15_000);
    await rest.delete(namespacePath(ns)).catch(() => undefined);
  }, 300_000);
});
