// The operator against a real API server: each behaviour of the reconcile loop, end to end.
import { API_VERSION } from '../../src/api/v1alpha1/index.js';
import type { NetworkPolicy } from '../../src/compiler/index.js';
import type { Operator } from '../../src/controller/operator.js';
import { isNotFound } from '../../src/kube/errors.js';
import { networkPolicies, networkPolicy, profile, profiles } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import {
  createNamespace,
  createRunningPod,
  deleteNamespace,
  eventually,
  testRest,
} from '../helpers/cluster.js';
import { isAllowed } from '../helpers/evaluator.js';
import { startTestOperator } from '../helpers/operator.js';
import { foreignPolicy } from '../helpers/profiles.js';
import { refuseNetworkPolicyWrites } from '../helpers/refuse-writes.js';
import { loadSample } from '../helpers/samples.js';
import { SCENARIOS } from '../helpers/scenarios.js';

interface Profile {
  metadata: { name: string; namespace: string; generation: number; resourceVersion?: string };
  spec: Record<string, unknown>;
  status?: {
    policies?: string[];
    observedGeneration?: number;
    conditions?: Array<{
      type: string;
      status: string;
      reason: string;
      message: string;
      lastTransitionTime: string;
    }>;
  };
}

let rest: KubeRest;
let operator: Operator;
const namespacesToDelete: string[] = [];
const latencies: number[] = [];

beforeAll(async () => {
  rest = testRest();
  const run = startTestOperator(['--baseline=false']);
  operator = run.operator;
  await run.started;
});
afterAll(async () => {
  await operator.stop();
  for (const ns of namespacesToDelete) await deleteNamespace(rest, ns);
  if (latencies.length > 0) {
    const sorted = [...latencies].sort((a, b) => a - b);
    process.stderr.write(
      `profile stored -> Ready: median ${sorted[Math.floor(sorted.length / 2)]} ms, worst ${sorted[sorted.length - 1]} ms over ${sorted.length}\n`,
    );
  }
});

async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(rest, prefix);
  namespacesToDelete.push(ns);
  return ns;
}

const shop = (ns: string): Profile => ({
  metadata: { name: 'shop', namespace: ns, generation: 0 },
  spec: {
    components: [
      { name: 'frontend', podSelector: { matchLabels: { role: 'frontend' } } },
      { name: 'backend', podSelector: { matchLabels: { role: 'backend' } } },
    ],
    allow: [{ from: { component: 'frontend' }, to: { component: 'backend' }, ports: [{ port: 8080 }] }],
  },
});

async function createProfile(p: Profile): Promise<Profile> {
  return rest.request<Profile>({
    method: 'POST',
    path: profiles(p.metadata.namespace),
    body: {
      apiVersion: API_VERSION,
      kind: 'AppTrustProfile',
      ...p,
      metadata: { name: p.metadata.name, namespace: p.metadata.namespace },
    },
  });
}

async function updateSpec(ns: string, name: string, spec: Record<string, unknown>): Promise<Profile> {
  const current = await rest.get<Profile>(profile(ns, name));
  return rest.request<Profile>({
    method: 'PUT',
    path: profile(ns, name),
    body: { apiVersion: API_VERSION, kind: 'AppTrustProfile', metadata: current.metadata, spec },
  });
}

const readProfile = (ns: string, name: string) => rest.get<Profile>(profile(ns, name));
type StoredPolicy = NetworkPolicy & { metadata: { resourceVersion?: string } };
const listPolicies = async (ns: string) =>
  (await rest.get<{ items: StoredPolicy[] }>(networkPolicies(ns))).items;

async function readyWith(ns: string, name: string, reason: string, generation?: number): Promise<Profile> {
  return eventually(`${ns}/${name} to report ${reason}`, async () => {
    const p = await readProfile(ns, name);
    const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
    const fresh = generation === undefined || p.status?.observedGeneration === generation;
    return ready?.reason === reason && fresh ? p : undefined;
  });
}

describe('profile reconcile', () => {
  it('create → owned policies present and Ready=True', async () => {
    const ns = await namespace('create');
    const created = await createProfile(shop(ns));
    // Measured from the API server's acceptance: a fresh API server's first custom-resource write
    // alone takes ~2 s, which is not the operator's latency.
    const started = Date.now();
    const p = await readyWith(ns, 'shop', 'Reconciled', created.metadata.generation);
    latencies.push(Date.now() - started);
    expect(p.status?.conditions?.[0]).toMatchObject({
      status: 'True',
      message: '2 NetworkPolicies enforced',
    });
    expect(p.status?.policies).toEqual(['shop.backend', 'shop.frontend']);
    const policies = await listPolicies(ns);
    expect(policies.map((x) => x.metadata.name).sort()).toEqual(['shop.backend', 'shop.frontend']);
    for (const np of policies)
      expect(np.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'AppTrustProfile',
        name: 'shop',
        controller: true,
      });
    const backend = policies.find((x) => x.metadata.name === 'shop.backend');
    expect(backend?.spec.ingress?.[0]?.from).toEqual([
      { podSelector: { matchLabels: { role: 'frontend' } } },
    ]);
  });

  it('update → policies changed, stale ones pruned', async () => {
    const ns = await namespace('update');
    await createProfile(shop(ns));
    await readyWith(ns, 'shop', 'Reconciled');
    const spec = shop(ns).spec;
    spec.components = [
      { name: 'frontend', podSelector: { matchLabels: { role: 'frontend' } } },
      { name: 'api', podSelector: { matchLabels: { role: 'api' } } },
    ];
    spec.allow = [{ from: { component: 'frontend' }, to: { component: 'api' }, ports: [{ port: 9090 }] }];
    const updated = await updateSpec(ns, 'shop', spec);
    const p = await readyWith(ns, 'shop', 'Reconciled', updated.metadata.generation);
    expect(p.status?.policies).toEqual(['shop.api', 'shop.frontend']);
    const names = await eventually('stale policy pruned', async () => {
      const n = (await listPolicies(ns)).map((x) => x.metadata.name).sort();
      return n.includes('shop.backend') ? undefined : n;
    });
    expect(names).toEqual(['shop.api', 'shop.frontend']);
  });

  it('an update over the render budget keeps the old policies and reports InvalidSpec with the field path', async () => {
    const ns = await namespace('invalid');
    await createProfile(shop(ns));
    await readyWith(ns, 'shop', 'Reconciled');
    const before = await listPolicies(ns);
    const spec = shop(ns).spec;
    // Admission bounds the input; only the compiler sees what it renders: 256 flows of 16 port
    // ranges each make one policy of ~190 KiB, over the 128 KiB budget (defect 4 of the faults issue).
    spec.allow = Array.from({ length: 256 }, (_, i) => ({
      from: { component: 'frontend' },
      to: { cidr: `10.${i}.0.0/16` },
      ports: Array.from({ length: 16 }, (_, j) => ({ port: 1000 + j * 100, endPort: 1050 + j * 100 })),
    }));
    const updated = await updateSpec(ns, 'shop', spec);
    const p = await readyWith(ns, 'shop', 'InvalidSpec', updated.metadata.generation);
    expect(p.status?.conditions?.[0]?.status).toBe('False');
    expect(p.status?.conditions?.[0]?.message).toContain('spec.components[0]: renders a NetworkPolicy of');
    expect(p.status?.conditions?.[0]?.message).toContain('over the limit of 128 KiB');
    const after = await listPolicies(ns);
    expect(after.map((x) => [x.metadata.name, x.metadata.resourceVersion])).toEqual(
      before.map((x) => [x.metadata.name, x.metadata.resourceVersion]),
    );
  });

  it('a write the API server refuses: ApplyFailed, a Warning event, the enforced policies untouched', async () => {
    // A real refusal: a ValidatingAdmissionPolicy that denies NetworkPolicy writes in namespaces
    // labelled frozen (what a cluster policy engine or a quota might do).
    const name = `apptrust-test-freeze-${Date.now().toString(36)}`;
    const admission = '/apis/admissionregistration.k8s.io/v1';
    const create = (kind: string, plural: string, spec: Record<string, unknown>) =>
      rest.request({
        method: 'POST',
        path: `${admission}/${plural}`,
        body: { apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name }, spec },
      });
    await create(
      'ValidatingAdmissionPolicy',
      'validatingadmissionpolicies',
      refuseNetworkPolicyWrites('network policies are frozen here'),
    );
    await create('ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', {
      policyName: name,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { [name]: 'frozen' } } },
    });
    try {
      const ns = await namespace('refused');
      await createProfile(shop(ns));
      await readyWith(ns, 'shop', 'Reconciled');
      await rest.apply(
        `/api/v1/namespaces/${ns}`,
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [name]: 'frozen' } } },
        'apptrust-test',
      );
      // The admission policy takes a moment to become active: a dry-run create goes through
      // admission and tells when it refuses.
      await eventually('the admission policy to refuse', async () => {
        const attempt = rest.request({
          method: 'POST',
          path: networkPolicies(ns),
          query: { dryRun: 'All' },
          body: foreignPolicy('probe'),
        });
        return attempt.then(
          () => undefined,
          (error: unknown) => (String(error).includes('frozen') ? true : undefined),
        );
      });
      const before = await listPolicies(ns);
      const spec = shop(ns).spec;
      spec.allow = [
        { from: { component: 'frontend' }, to: { component: 'backend' }, ports: [{ port: 9090 }] },
      ];
      const updated = await updateSpec(ns, 'shop', spec);
      const p = await readyWith(ns, 'shop', 'ApplyFailed', updated.metadata.generation);
      expect(p.status?.conditions?.[0]).toMatchObject({ status: 'False' });
      expect(p.status?.conditions?.[0]?.message).toContain('network policies are frozen here');
      const events = await rest.get<{
        items: Array<{ type: string; reason: string; regarding: { name: string } }>;
      }>(`/apis/events.k8s.io/v1/namespaces/${ns}/events`);
      expect(events.items).toContainEqual(
        expect.objectContaining({
          type: 'Warning',
          reason: 'ApplyFailed',
          regarding: expect.objectContaining({ name: 'shop' }),
        }),
      );
      const after = await listPolicies(ns);
      expect(after.map((x) => [x.metadata.name, x.metadata.resourceVersion])).toEqual(
        before.map((x) => [x.metadata.name, x.metadata.resourceVersion]),
      );
    } finally {
      // Nothing left retrying refused writes while the next tests count writes.
      for (const ns of namespacesToDelete.filter((n) => n.startsWith('refused-')))
        await deleteNamespace(rest, ns);
      await rest.delete(`${admission}/validatingadmissionpolicybindings/${name}`).catch(() => undefined);
      await rest.delete(`${admission}/validatingadmissionpolicies/${name}`).catch(() => undefined);
    }
  });

  it('does not take over a foreign policy with the wanted name: Conflict', async () => {
    const ns = await namespace('conflict');
    const foreign = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'shop.backend', namespace: ns },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    };
    await rest.request({ method: 'POST', path: networkPolicies(ns), body: foreign });
    await createProfile(shop(ns));
    const p = await readyWith(ns, 'shop', 'Conflict');
    expect(p.status?.conditions?.[0]?.message).toContain('shop.backend');
    const still = await rest.get<NetworkPolicy & { metadata: { ownerReferences?: unknown } }>(
      networkPolicy(ns, 'shop.backend'),
    );
    expect(still.metadata.ownerReferences).toBeUndefined();
    expect(still.spec).toEqual(foreign.spec);
    // Once the foreign policy is gone, the profile converges by itself (retry later).
    await rest.delete(networkPolicy(ns, 'shop.backend'));
    await readyWith(ns, 'shop', 'Reconciled');
  });

  it('Audit never changes enforcement: nothing applied or removed, the would-be changes in status', async () => {
    const ns = await namespace('audit');
    await createProfile(shop(ns));
    const first = await readyWith(ns, 'shop', 'Reconciled');
    // One status write sets both: IntentHonored is there as soon as Ready is.
    expect(first.status?.conditions?.map((c) => c.type)).toEqual(['Ready', 'IntentHonored']);
    await operator.idle();
    const before = await listPolicies(ns);
    const writes = operator.writes;
    const spec = shop(ns).spec;
    spec.mode = 'Audit';
    spec.components = [
      { name: 'frontend', podSelector: { matchLabels: { role: 'frontend' } } },
      { name: 'api', podSelector: { matchLabels: { role: 'api' } } },
    ];
    spec.allow = [{ from: { component: 'frontend' }, to: { component: 'api' }, ports: [{ port: 9090 }] }];
    const updated = await updateSpec(ns, 'shop', spec);
    const p = await readyWith(ns, 'shop', 'Audit', updated.metadata.generation);
    expect(p.status?.conditions?.[0]).toMatchObject({ status: 'True' });
    expect(p.status?.policies).toEqual(['shop.api', 'shop.frontend']);
    expect((p.status as { audit?: unknown }).audit).toEqual({
      create: ['shop.api'],
      update: ['shop.frontend'],
      delete: ['shop.backend'],
      newlyDenied: 0, // no pod runs in this namespace: no live flow to change
      newlyAllowed: 0,
    });
    expect(p.status?.conditions?.[0]?.message).toContain(
      'enforcing would create 1, update 1 and delete 1 NetworkPolicies',
    );
    await operator.idle();
    const after = await listPolicies(ns);
    expect(after.map((x) => [x.metadata.name, x.metadata.resourceVersion])).toEqual(
      before.map((x) => [x.metadata.name, x.metadata.resourceVersion]),
    );
    // Status only (no NetworkPolicy: their versions are unchanged above): Ready with IntentHonored
    // removed (Audit promises nothing yet) in one write; the asynchronous Audit evidence may land separately.
    expect(p.status?.conditions?.map((c) => c.type)).toEqual(['Ready']);
    expect(operator.writes - writes).toBeGreaterThanOrEqual(1);
    expect(operator.writes - writes).toBeLessThanOrEqual(2);
    // Back to Enforce applies it.
    const enforced = await updateSpec(ns, 'shop', { ...spec, mode: 'Enforce' });
    await readyWith(ns, 'shop', 'Reconciled', enforced.metadata.generation);
    expect((await listPolicies(ns)).map((x) => x.metadata.name).sort()).toEqual([
      'shop.api',
      'shop.frontend',
    ]);
    expect(((await readProfile(ns, 'shop')).status as { audit?: unknown }).audit).toBeUndefined();
  });

  it('Audit with evidence: the live flows enforcing would deny, from running pods and their ports', async () => {
    const ns = await namespace('evidence');
    const pod = (name: string, role: string, ip: string, ports: number[]) =>
      createRunningPod(
        rest,
        { namespace: ns, name, labels: { role }, ip },
        ports.map((containerPort) => ({ containerPort })),
      );
    await pod('frontend', 'frontend', '10.244.90.1', []);
    await pod('backend', 'backend', '10.244.90.2', [8080, 9090]);
    const p = shop(ns);
    p.spec.mode = 'Audit'; // allows frontend -> backend on 8080 only
    await createProfile(p);
    const audited = await eventually('evidence in status', async () => {
      const now = await readProfile(ns, 'shop');
      const audit = (now.status as { audit?: { newlyDenied?: number } } | undefined)?.audit;
      return audit?.newlyDenied !== undefined ? now : undefined;
    });
    const audit = (audited.status as { audit?: Record<string, unknown> }).audit;
    // Today everything flows (no policy); enforcing denies frontend -> backend 9090 and everything
    // into frontend's and backend's other directions that the pods declare: backend -> backend is one pod.
    expect(audit).toMatchObject({ newlyAllowed: 0, create: ['shop.backend', 'shop.frontend'] });
    expect(audit?.newlyDenied).toBe(1);
    expect(audit?.examples).toEqual([`denied ${ns}/frontend -> ${ns}/backend 9090/TCP`]);
    expect(audited.status?.conditions?.[0]?.message).toContain('live flows it would deny: 1, newly allow: 0');
    expect(await listPolicies(ns)).toEqual([]); // Audit wrote no policy
  });

  it('migrates v1 policy names without a gap: the new name exists before the old is deleted', async () => {
    const ns = await namespace('rename');
    const created = await createProfile(shop(ns));
    await readyWith(ns, 'shop', 'Reconciled');
    // What v1 left behind: the same policy under `<profile>-<component>`, owned by the profile.
    const current = await rest.get<StoredPolicy>(networkPolicy(ns, 'shop.backend'));
    const legacy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'shop-backend',
        namespace: ns,
        labels: current.metadata.labels,
        ownerReferences: current.metadata.ownerReferences,
      },
      spec: current.spec,
    };
    expect(created.metadata.name).toBe('shop');
    await rest.request({ method: 'POST', path: networkPolicies(ns), body: legacy });
    await eventually('the v1 name pruned', async () =>
      (await listPolicies(ns)).some((x) => x.metadata.name === 'shop-backend') ? undefined : true,
    );
    expect((await listPolicies(ns)).map((x) => x.metadata.name).sort()).toEqual([
      'shop.backend',
      'shop.frontend',
    ]);
  });

  it('never renders the baseline name: profile apptrust-default with component deny', async () => {
    const ns = await namespace('takeover');
    const p = shop(ns);
    p.metadata.name = 'apptrust-default';
    p.spec.components = [{ name: 'deny', podSelector: {} }];
    p.spec.allow = [];
    await createProfile(p);
    const ready = await readyWith(ns, 'apptrust-default', 'Reconciled');
    expect(ready.status?.policies).toEqual(['apptrust-default.deny']);
  });

  it('rewrites a status written by someone else, and only ours', async () => {
    const ns = await namespace('selfheal');
    const created = await createProfile(shop(ns));
    const good = await readyWith(ns, 'shop', 'Reconciled', created.metadata.generation);
    const foreign = {
      type: 'Reviewed',
      status: 'True',
      reason: 'Manual',
      message: 'looked at by a human',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    await rest.apply(
      `${profile(ns, 'shop')}/status`,
      {
        apiVersion: API_VERSION,
        kind: 'AppTrustProfile',
        metadata: { name: 'shop', namespace: ns },
        status: {
          observedGeneration: 0,
          conditions: [{ ...good.status?.conditions?.[0], status: 'False', reason: 'Tampered' }, foreign],
        },
      },
      'someone-else',
    );
    const healed = await readyWith(ns, 'shop', 'Reconciled', created.metadata.generation);
    expect(healed.status?.conditions).toContainEqual(foreign);
    expect(healed.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    // The foreign condition stays the other writer's, and is no reason for us to write again.
    const raw = await rest.get<{
      metadata: { managedFields: Array<{ manager: string; fieldsV1?: unknown }> };
    }>(profile(ns, 'shop'));
    const ours = raw.metadata.managedFields.find(
      (f) => f.manager === 'apptrust-operator' && JSON.stringify(f.fieldsV1).includes('Ready'),
    );
    expect(JSON.stringify(ours?.fieldsV1)).not.toContain('Reviewed');
    await operator.idle();
    const writes = operator.writes;
    operator.resyncAll();
    await new Promise((r) => setTimeout(r, 300));
    await operator.idle();
    expect(operator.writes - writes).toBe(0);
  });

  it('repairs drift: an edited policy is restored, a deleted one re-created', async () => {
    const ns = await namespace('drift');
    await createProfile(shop(ns));
    await readyWith(ns, 'shop', 'Reconciled');
    const original = await rest.get<NetworkPolicy>(networkPolicy(ns, 'shop.backend'));
    const edited = { ...original, spec: { ...original.spec, ingress: [{}] } }; // "allow from everywhere"
    await rest.request({ method: 'PUT', path: networkPolicy(ns, 'shop.backend'), body: edited });
    await eventually('edited policy restored', async () => {
      const now = await rest.get<NetworkPolicy>(networkPolicy(ns, 'shop.backend'));
      return JSON.stringify(now.spec) === JSON.stringify(original.spec) ? true : undefined;
    });
    await rest.delete(networkPolicy(ns, 'shop.frontend'));
    await eventually('deleted policy re-created', async () =>
      rest
        .get(networkPolicy(ns, 'shop.frontend'))
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))),
    );
  });

  it('a resync of unchanged profiles issues zero writes', async () => {
    const ns = await namespace('resync');
    await createProfile(shop(ns));
    await readyWith(ns, 'shop', 'Reconciled');
    await new Promise((r) => setTimeout(r, 500)); // let the watch events of our own writes arrive
    await operator.idle();
    const before = operator.writes;
    operator.resyncAll();
    await new Promise((r) => setTimeout(r, 300));
    await operator.idle();
    expect(operator.writes - before).toBe(0);
  });

  it('a restarted operator converges without duplicates or writes', async () => {
    const ns = await namespace('restart');
    await createProfile(shop(ns));
    await readyWith(ns, 'shop', 'Reconciled');
    await eventually('IntentHonored reported before the restart', async () => {
      const p = await rest.get<{ status?: { conditions?: Array<{ type: string }> } }>(profile(ns, 'shop'));
      return p.status?.conditions?.some((c) => c.type === 'IntentHonored') ? true : undefined;
    });
    await operator.stop();
    const run = startTestOperator(['--baseline=false']);
    operator = run.operator;
    await run.started;
    await new Promise((r) => setTimeout(r, 300));
    await operator.idle();
    expect((await listPolicies(ns)).map((x) => x.metadata.name).sort()).toEqual([
      'shop.backend',
      'shop.frontend',
    ]);
    expect(operator.writes).toBe(0);
  });

  it('deleting the profile garbage-collects its policies', async () => {
    const ns = await namespace('delete');
    await createProfile(shop(ns));
    await readyWith(ns, 'shop', 'Reconciled');
    await rest.delete(profile(ns, 'shop'));
    await eventually(
      'policies collected',
      async () => ((await listPolicies(ns)).length === 0 ? true : undefined),
      60_000,
      250,
    );
  });
});

describe.each(SCENARIOS)('reachability of $example read back from the API server', (scenario) => {
  it('matches the expected matrix', async () => {
    const ns = await namespace(scenario.example);
    const example = loadSample(scenario.example) as unknown as Profile;
    example.metadata.namespace = ns;
    await createProfile(example);
    const started = Date.now();
    await readyWith(ns, example.metadata.name, 'Reconciled');
    latencies.push(Date.now() - started);
    // Read the stored objects back and evaluate them in the scenario's world (namespace renamed).
    const stored = (await listPolicies(ns)).map((p) => ({
      ...p,
      metadata: { ...p.metadata, namespace: scenario.namespace },
    }));
    const world = { namespaces: scenario.namespaces, pods: [], policies: stored };
    const verdicts = scenario.probes.map(
      (p) =>
        `${p.from}->${p.to}:${p.port} ${isAllowed(world, scenario.endpoints[p.from] as never, scenario.endpoints[p.to] as never, p.port, p.protocol) ? 'allowed' : 'denied'}`,
    );
    expect(verdicts).toEqual(
      scenario.probes.map((p) => `${p.from}->${p.to}:${p.port} ${p.allowed ? 'allowed' : 'denied'}`),
    );
  });
});
