// Every widening is reported (issue 17, item 3), on the real API server, with a real tenant: a user
// with a client certificate, bound to the built-in `admin` ClusterRole in its namespace only. Its
// allow-all NetworkPolicy must turn the profile's IntentHonored False (reason Widened, naming the
// policy) within about a second, with one Warning Event; removing it turns it back. The operator
// runs as a ServiceAccount with the shipped RBAC.
import { KubeConfig } from '@kubernetes/client-node';
import { INTENT_HONORED_CONDITION } from '../../src/api/v1alpha1/index.js';
import type { Operator } from '../../src/controller/operator.js';
import { networkPolicies, networkPolicy, profile as profilePath, profiles } from '../../src/kube/paths.js';
import { KubeRest } from '../../src/kube/rest.js';
import { userKubeconfig } from '../cluster/controlplane.js';
import { grantOperatorAccount, isMarked, readRecord } from '../helpers/baseline.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { startTestOperator } from '../helpers/operator.js';
import { frontendBackendProfile } from '../helpers/profiles.js';
import { serviceAccountKubeConfig } from '../helpers/service-account.js';
import { describeIf } from '../helpers/skip.js';
import { bindTenantAdmin } from '../helpers/tenant.js';

const ACCOUNT = 'apptrust-widening-test';
const TENANT = 'tenant-wide';
const clusterDir = process.env.APPTRUST_TEST_CLUSTER_DIR;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface ProfileRead {
  status?: { conditions?: Condition[] };
}
interface EventRead {
  reason: string;
  type: string;
  note: string;
  regarding: { kind: string; name: string };
}

let admin: KubeRest;
let tenant: KubeRest;
let operator: Operator | undefined;
let ns: string;
const numbers: Record<string, number> = {};

const ALLOW_ALL = (name: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name },
  spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] },
});

const intentOf = async (name: string) =>
  (await admin.get<ProfileRead>(profilePath(ns, name))).status?.conditions?.find(
    (c) => c.type === INTENT_HONORED_CONDITION,
  );

async function events(kind: string, name: string, reason: string): Promise<EventRead[]> {
  const list = await admin.get<{ items: EventRead[] }>(`/apis/events.k8s.io/v1/namespaces/${ns}/events`);
  return list.items.filter(
    (e) => e.regarding.kind === kind && e.regarding.name === name && e.reason === reason,
  );
}

/** Polls every 10 ms from just before `write` until the profile's condition has `status`. */
async function timeTo(name: string, status: string, write: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await write();
  await eventually(
    `IntentHonored=${status} on ${name}`,
    async () => ((await intentOf(name))?.status === status ? true : undefined),
    20_000,
    10,
  );
  return Math.round(performance.now() - started);
}

async function gauge(name: string, labels = ''): Promise<number> {
  const text = (await operator?.metrics.registry.getSingleMetricAsString(name)) ?? '';
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return Number(line?.split(' ')[1]);
}

describeIf(clusterDir, 'the local control plane (tenant client certificates)')(
  'every widening is reported (tenant identity)',
  () => {
    beforeAll(async () => {
      admin = testRest();
      await grantOperatorAccount(admin, ACCOUNT);
      const run = startTestOperator(
        [],
        {},
        await serviceAccountKubeConfig(admin, 'apptrust-system', ACCOUNT),
      );
      operator = run.operator;
      await run.started;
      // Only namespaces created after the BaselineRecord get the baseline: on a fresh control plane
      // (this file alone) the operator writes the record just after it starts.
      await eventually('the baseline record', async () => ((await readRecord(admin)) ? true : undefined));
      ns = await createNamespace(admin, 'widen');
      await eventually('the baseline marker', async () => ((await isMarked(admin, ns)) ? true : undefined));
      // The tenant: built-in admin in its namespace only (aggregated by the controller manager).
      await bindTenantAdmin(admin, ns, TENANT);
      const kc = new KubeConfig();
      kc.loadFromFile(userKubeconfig(clusterDir as string, TENANT, []));
      tenant = new KubeRest(kc);
      await eventually('the admin role to let the tenant write NetworkPolicies', async () => {
        await tenant.request({
          method: 'POST',
          path: networkPolicies(ns),
          query: { dryRun: 'All' },
          body: ALLOW_ALL('probe'),
        });
        return true;
      });
      await admin.request({ method: 'POST', path: profiles(ns), body: frontendBackendProfile('shop', ns) });
      await eventually('IntentHonored=True on the new profile', async () =>
        (await intentOf('shop'))?.reason === 'Honored' ? true : undefined,
      );
    }, 120_000);

    afterAll(async () => {
      await operator?.stop();
      if (ns) await deleteNamespace(admin, ns);
      tenant?.close();
      admin?.close();
      process.stderr.write(`\nwidening numbers: ${JSON.stringify(numbers)}\n`);
    });

    it("the tenant's allow-all is reported on the profile (Widened, naming it), one Warning Event", async () => {
      numbers.timeToReportMs = await timeTo('shop', 'False', () =>
        tenant.request({ method: 'POST', path: networkPolicies(ns), body: ALLOW_ALL('tenant-open') }),
      );
      const condition = await intentOf('shop');
      expect(condition).toMatchObject({ status: 'False', reason: 'Widened' });
      expect(condition?.message).toContain(`widened by ${ns}/tenant-open`);
      expect(condition?.message).toMatch(/ingress to (backend|frontend) from /);
      expect(numbers.timeToReportMs).toBeLessThan(5_000); // the goal is 1 s; the machine is shared
      const warned = await eventually('the Widened Warning Event', async () => {
        const list = await events('AppTrustProfile', 'shop', 'Widened');
        return list.length > 0 ? list : undefined;
      });
      expect(warned[0]?.type).toBe('Warning');
      expect(warned[0]?.note).toContain(`${ns}/tenant-open`);
      expect(await gauge('apptrust_profiles_widened')).toBeGreaterThanOrEqual(1);
      // The baseline of this protected namespace is undercut too: a Namespace Event and the gauge.
      const undercut = await eventually('the BaselineUndercut Event', async () => {
        const list = await events('Namespace', ns, 'BaselineUndercut');
        return list.length > 0 ? list : undefined;
      });
      expect(undercut[0]?.note).toContain(`${ns}/tenant-open`);
      expect(await gauge('apptrust_baseline_namespaces', '{state="undercut"}')).toBeGreaterThanOrEqual(1);
      // Nothing new to say: a resync and a second look send no second Event.
      operator?.resyncAll();
      await operator?.idle();
      await new Promise((r) => setTimeout(r, 500));
      expect(await events('AppTrustProfile', 'shop', 'Widened')).toHaveLength(1);
    });

    it('a second profile on the same pods: the union is reported on both', async () => {
      await admin.request({ method: 'DELETE', path: networkPolicy(ns, 'tenant-open') });
      await eventually('IntentHonored=True again', async () =>
        (await intentOf('shop'))?.status === 'True' ? true : undefined,
      );
      // Same components; only the outside address on 9090, not frontend -> backend: each allows
      // something the other does not.
      const twin = frontendBackendProfile('twin', ns);
      twin.spec.allow = [
        { from: { cidr: '198.51.100.0/24' }, to: { component: 'backend' }, ports: [{ port: 9090 }] },
      ];
      await admin.request({ method: 'POST', path: profiles(ns), body: twin });
      try {
        const shop = await eventually('shop widened by twin', async () => {
          const c = await intentOf('shop');
          return c?.status === 'False' ? c : undefined;
        });
        expect(shop.message).toContain(`${ns}/twin.backend`);
        expect(shop.message).toContain('ingress to backend from addresses 198.51.100.0/24 on TCP 9090');
        const onTwin = await eventually('twin widened by shop', async () => {
          const c = await intentOf('twin');
          return c?.status === 'False' ? c : undefined;
        });
        expect(onTwin.message).toContain(`widened by ${ns}/shop.backend, ${ns}/shop.frontend`);
        expect(onTwin.message).toContain('ingress to backend from component frontend on TCP 8080');
      } finally {
        await admin.request({ method: 'DELETE', path: profilePath(ns, 'twin') });
      }
    });

    it('removing the widening policy flips IntentHonored back to True (Honored)', async () => {
      await eventually('shop honoured once twin is gone', async () =>
        (await intentOf('shop'))?.status === 'True' ? true : undefined,
      );
      // Five rounds of the tenant's write and removal: the report times, median and worst.
      const reported: number[] = [];
      const honoured: number[] = [];
      for (let round = 0; round < 5; round++) {
        reported.push(
          await timeTo('shop', 'False', () =>
            tenant.request({ method: 'POST', path: networkPolicies(ns), body: ALLOW_ALL('tenant-open-2') }),
          ),
        );
        honoured.push(
          await timeTo('shop', 'True', () =>
            tenant.request({ method: 'DELETE', path: networkPolicy(ns, 'tenant-open-2') }),
          ),
        );
        expect(await intentOf('shop')).toMatchObject({ status: 'True', reason: 'Honored' });
      }
      const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
      numbers.reportMedianMs = sorted(reported)[2] as number;
      numbers.reportWorstMs = sorted(reported)[4] as number;
      numbers.honouredMedianMs = sorted(honoured)[2] as number;
      numbers.honouredWorstMs = sorted(honoured)[4] as number;
      expect(numbers.reportWorstMs).toBeLessThan(5_000);
      const honouredEvents = await eventually('the Honored Event', async () => {
        const list = await events('AppTrustProfile', 'shop', 'Honored');
        return list.length > 0 ? list : undefined;
      });
      expect(honouredEvents[0]?.type).toBe('Normal');
    });
  },
);
