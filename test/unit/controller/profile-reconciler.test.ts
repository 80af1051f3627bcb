// The profile reconciler without a cluster (sample-controller's controller_test.go style): each case
// puts a store and caches in a FakeCluster, drives one or more reconciles, and asserts the actions
// the API server would have received, the status, and the Events. The API server stays the reference
// in the integration tests; these pin the decisions (what is written, what never is).
import { pino } from 'pino';
import type { ConditionReason, ProfileStatus } from '../../../src/api/v1alpha1/index.js';
import {
  DEFAULT_SETTINGS,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  MAX_POLICY_BYTES,
  type NetworkPolicy,
  PROFILE_LABEL,
  policyName,
  renderProfile,
} from '../../../src/compiler/index.js';
import { Reason } from '../../../src/controller/conditions.js';
import { profileEventKeys } from '../../../src/controller/profile-controller.js';
import {
  type ProfileObject,
  ProfileReconciler,
  type ProfileReconcilerDeps,
} from '../../../src/controller/profile-reconciler.js';
import { PENDING_TTL_MS, WriteMemo } from '../../../src/controller/write-memo.js';
import { FencedError, KubeApiError } from '../../../src/kube/errors.js';
import type { LivePolicy } from '../../../src/kube/policy-store.js';
import { FakeCluster } from '../../helpers/fake-cluster.js';
import { frontendBackendProfile } from '../../helpers/profiles.js';

const NS = 'shop';
const PROFILE = 'web';
const KEY = `${NS}/${PROFILE}`;
const CONFLICT_RETRY_MS = 12_345;
const FRONTEND = policyName(PROFILE, 'frontend');
const BACKEND = policyName(PROFILE, 'backend');
const DB = policyName(PROFILE, 'db');
const at = (name: string) => `${NS}/${name}`;
const log = pino({ level: 'silent' });

type Spec = Record<string, unknown>;

/** frontend -> backend:8080 (two policies); `edit` changes the spec before it is stored. */
function webProfile(edit: (spec: Spec) => void = () => {}): ProfileObject {
  const profile = frontendBackendProfile(PROFILE, NS);
  edit(profile.spec);
  return profile as ProfileObject;
}

const withDb = (spec: Spec) => {
  (spec.components as unknown[]).push({ name: 'db', podSelector: { matchLabels: { role: 'db' } } });
};
const withPort = (port: number) => (spec: Spec) => {
  spec.allow = [{ from: { component: 'frontend' }, to: { component: 'backend' }, ports: [{ port }] }];
};
const noComponents = (spec: Spec) => {
  spec.components = [];
};
const audit = (spec: Spec) => {
  spec.mode = 'Audit';
};

/** A reconciler over a fake cluster holding the namespace and the profile (in store and caches). */
function setup(
  profile: ProfileObject = webProfile(),
  options: { clock?: () => string; intent?: ProfileReconcilerDeps['intent'] } = {},
) {
  const cluster = new FakeCluster();
  cluster.putNamespace({ metadata: { name: NS } });
  cluster.putProfile(profile);
  cluster.sync();
  /** The Ready reason each reconcile reported (null: the profile is gone). */
  const reasons: Array<ConditionReason | null | undefined> = [];
  const monotonic = { ms: 0 };
  const policyWrites = new WriteMemo(() => monotonic.ms);
  const statusWrites = new WriteMemo(() => monotonic.ms);
  /** Profiles an informer event would queue again: the operator's own mapping (echoes of our writes queue nothing). */
  const requeued: string[] = [];
  const eventKeys = profileEventKeys({ policyWrites, statusWrites });
  cluster.onPolicyEvent((event, policy) => requeued.push(...eventKeys.policy(event, policy)));
  cluster.onProfileEvent((event, profile) => requeued.push(...eventKeys.profile(event, profile)));
  const reconciler = new ProfileReconciler({
    ...cluster.reconcilerClients,
    policyWrites,
    statusWrites,
    settings: DEFAULT_SETTINGS,
    now: options.clock ?? (() => '2026-11-25T10:00:00Z'),
    conflictRetryMs: CONFLICT_RETRY_MS,
    ...(options.intent ? { intent: options.intent } : {}),
  });
  /** One reconcile as the Operator runs it: the outcome, or the error it retries with backoff. */
  const reconcile = async () => {
    const result = await reconciler.reconcile(KEY, { log, signal: new AbortController().signal });
    if (result.reason !== undefined) reasons.push(result.reason);
    if (result.error) throw result.error;
    return result.outcome;
  };
  /** Reconcile, let the informers catch up, and start the next step with a clean action log. */
  const converge = async () => {
    await reconcile();
    cluster.sync();
    cluster.clearActions();
    requeued.length = 0;
  };
  const status = () => cluster.profile(KEY)?.status as ProfileStatus;
  const ready = () => status()?.conditions?.find((c) => c.type === 'Ready');
  /** What the compiler renders for the profile as stored now. */
  const rendered = () =>
    renderProfile(cluster.profile(KEY), { settings: DEFAULT_SETTINGS, defaultNamespace: NS }).policies;
  const advance = (ms: number) => {
    monotonic.ms += ms;
  };
  return { cluster, reconcile, converge, status, ready, rendered, reasons, requeued, advance };
}

/** The same rendered policy under another name (a v1 `<profile>-<component>` one, say). */
const renamed = (policy: NetworkPolicy, name: string): LivePolicy => ({
  ...policy,
  metadata: { ...policy.metadata, name },
});

const ownedBy = (name: string, uid: string) => [
  { apiVersion: 'apptrust.dev/v1alpha1', kind: 'AppTrustProfile', name, uid, controller: true },
];

const ourLabels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [PROFILE_LABEL]: PROFILE };

describe('valid profile', () => {
  it('creates its two policies, then writes status once', async () => {
    const { cluster, reconcile, rendered, status, reasons, requeued } = setup();
    expect(await reconcile()).toBeUndefined();
    expect(cluster.writeLog()).toEqual([
      `create ${at(BACKEND)}`,
      `create ${at(FRONTEND)}`,
      `apply-status ${KEY}`,
    ]);
    expect(cluster.actions).toHaveLength(3);
    for (const want of rendered()) expect(cluster.policy(at(want.metadata.name))).toMatchObject(want);
    expect(status()).toEqual({
      observedGeneration: 1,
      mode: 'Enforce',
      policyCount: 2,
      policies: [BACKEND, FRONTEND],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: Reason.Reconciled,
          message: '2 NetworkPolicies enforced',
          observedGeneration: 1,
          lastTransitionTime: '2026-11-25T10:00:00Z',
        },
      ],
    });
    expect(cluster.events.map((e) => [e.type, e.reason, e.note])).toEqual([
      ['Normal', 'Applied', `NetworkPolicies applied ${BACKEND}, ${FRONTEND}`],
    ]);
    expect(reasons).toEqual([Reason.Reconciled]);
    cluster.sync();
    expect(requeued).toEqual([]); // every informer event was the echo of our own write
  });

  it('a resync with nothing to do makes no call at all (not even a read) and records no Event', async () => {
    const { cluster, reconcile, converge } = setup();
    await converge();
    expect(await reconcile()).toBeUndefined();
    expect(cluster.actions).toEqual([]);
    expect(cluster.events).toEqual([]);
  });

  it('a second reconcile before the cache caught up writes nothing again (WriteMemo pending)', async () => {
    const { cluster, reconcile } = setup();
    await reconcile();
    const first = cluster.actions.length;
    await reconcile(); // the caches still show no policy and no status
    expect(cluster.actions.slice(first)).toEqual([]);
    expect(cluster.events).toHaveLength(1);
  });

  // The status memo compares the decision, not lastTransitionTime, which a flip takes from the clock.
  it('a second reconcile before the cache caught up, a second later, writes no status again', async () => {
    // The real clock has one-second resolution: the memo must not depend on it standing still.
    let seconds = 0;
    const clock = () => `2026-11-25T10:00:${String(seconds++ % 60).padStart(2, '0')}Z`;
    const { cluster, reconcile } = setup(webProfile(), { clock });
    await reconcile();
    const first = cluster.actions.length;
    await reconcile();
    expect(cluster.actions.slice(first).map((a) => `${a.verb} ${a.key}`)).toEqual([]);
  });

  it('a create whose echo never comes (a relist skipped the object) stops counting as pending', async () => {
    const { cluster, reconcile, advance } = setup();
    await reconcile();
    await cluster.writer.delete(NS, FRONTEND, undefined); // someone deletes it at once
    cluster.sync(); // a relist: the cache never shows web.frontend, so no event settles its memo entry
    cluster.clearActions();
    await reconcile();
    expect(cluster.writeLog()).toEqual([]); // within the TTL: still taken as our pending write
    advance(PENDING_TTL_MS); // the next resync
    await reconcile();
    expect(cluster.writeLog()).toEqual([`create ${at(FRONTEND)}`]);
  });

  it('a policy created meanwhile by us (AlreadyExists, ours and up to date) is not written again', async () => {
    const { cluster, reconcile, rendered } = setup();
    for (const p of rendered()) cluster.putPolicy(p); // in the store, not yet in the cache
    const before = cluster.policyNames().map((n) => cluster.policy(n));
    await reconcile();
    expect(cluster.actions.map((a) => `${a.verb} ${a.key} ${a.result}`).sort()).toEqual([
      `apply-status ${KEY} ok`,
      `create ${at(BACKEND)} AlreadyExists`,
      `create ${at(FRONTEND)} AlreadyExists`,
      `get ${at(BACKEND)} ok`,
      `get ${at(FRONTEND)} ok`,
    ]);
    expect(cluster.policyNames().map((n) => cluster.policy(n))).toEqual(before);
  });

  it('does nothing for a profile that is gone or a namespace being deleted', async () => {
    const gone = setup();
    gone.cluster.deleteProfile(KEY);
    gone.cluster.sync();
    expect(await gone.reconcile()).toBeUndefined();
    expect(gone.cluster.actions).toEqual([]);
    expect(gone.reasons).toEqual([null]);

    const terminating = setup();
    terminating.cluster.putNamespace({ metadata: { name: NS, deletionTimestamp: '2026-11-25T09:00:00Z' } });
    expect(await terminating.reconcile()).toBeUndefined();
    expect(terminating.cluster.actions).toEqual([]);
  });

  it('a profile deleted between the cache read and the status write ends quietly', async () => {
    const { cluster, reconcile } = setup();
    cluster.deleteProfile(KEY); // the cache still shows it
    await expect(reconcile()).resolves.toBeUndefined();
    expect(cluster.actions.at(-1)).toMatchObject({ verb: 'apply-status', result: 'NotFound' });
  });
});

describe('the echo of a write arriving before its response', () => {
  it('one reconcile, three writes, and no event queues the profile again', async () => {
    const { cluster, reconcile, requeued, ready } = setup();
    cluster.echoBeforeResponse = true;
    expect(await reconcile()).toBeUndefined();
    expect(cluster.writeLog()).toEqual([
      `create ${at(BACKEND)}`,
      `create ${at(FRONTEND)}`,
      `apply-status ${KEY}`,
    ]);
    expect(ready()?.reason).toBe(Reason.Reconciled);
    expect(requeued).toEqual([]);
  });

  it('a change by someone else during our status write is looked at again (retry), not lost', async () => {
    const { cluster, reconcile, requeued } = setup();
    // Another writer's status patch lands right after ours, and the watch shows only the later one
    // before our response is read.
    cluster.beforeResponse = (action) => {
      if (action.verb === 'apply-status') cluster.patchProfileStatus(KEY, { mode: 'Audit' } as ProfileStatus);
      cluster.sync();
    };
    expect(await reconcile()).toEqual({ retry: true });
    expect(requeued).toEqual([]); // held by the memo, then handed back as the retry
  });
});

describe('IntentHonored', () => {
  const honored = { type: 'IntentHonored', status: 'True' as const, reason: 'Honored', message: 'ok' };

  it('is set in the same status write as Ready, judged on the policies just written', async () => {
    const judged: string[][] = [];
    const { cluster, reconcile, status } = setup(webProfile(), {
      intent: (_profile, own) => {
        judged.push(own.map((p) => p.metadata.name));
        return honored;
      },
    });
    await reconcile();
    expect(cluster.writeLog()).toEqual([
      `create ${at(BACKEND)}`,
      `create ${at(FRONTEND)}`,
      `apply-status ${KEY}`,
    ]);
    expect(judged).toEqual([[BACKEND, FRONTEND]]);
    expect(status().conditions?.map((c) => c.type)).toEqual(['Ready', 'IntentHonored']);
  });

  it('a changed verdict rewrites the status; Audit drops the condition', async () => {
    let verdict = honored;
    const { cluster, converge, status } = setup(webProfile(), { intent: () => verdict });
    await converge();
    verdict = { ...honored, status: 'False' as never, reason: 'Widened', message: 'widened by shop/x' };
    await converge();
    expect(status().conditions?.find((c) => c.type === 'IntentHonored')).toMatchObject({ reason: 'Widened' });
    cluster.putProfile(webProfile(audit));
    cluster.sync();
    await converge();
    expect(status().conditions?.map((c) => c.type)).toEqual(['Ready']);
  });

  it("one left by an earlier version's own field manager is released when the profile promises nothing", async () => {
    const { cluster, converge, status } = setup(webProfile(audit));
    cluster.patchProfileStatus(KEY, {
      conditions: [{ ...honored, lastTransitionTime: '2026-11-01T00:00:00Z' }],
    } as ProfileStatus);
    cluster.sync();
    await converge();
    expect(status().conditions?.map((c) => c.type)).toEqual(['Ready']);
  });
});

describe('invalid spec', () => {
  const invalid = (spec: Spec) => {
    spec.allow = [{ from: { component: 'frontend' }, to: { component: 'nope' }, ports: [{ port: 8080 }] }];
  };

  /** Flows to namespaces selected by ~64 KiB selectors: valid input whose render is over budget. */
  const overBudget = (spec: Spec) => {
    const selector = (flow: number) => ({
      matchExpressions: Array.from({ length: 16 }, (_, e) => ({
        key: `k${flow}-${e}`,
        operator: 'In',
        values: Array.from({ length: 64 }, (_, v) => `v${v}-`.padEnd(60, 'x')),
      })),
    });
    spec.allow = [0, 1, 2].map((flow) => ({
      from: { component: 'frontend' },
      to: { namespaceSelector: selector(flow) },
    }));
  };

  it.each([
    [
      'a reference to an unknown component',
      'spec.allow[0].to.component',
      invalid,
      'unknown component "nope"',
    ],
    [
      'a render over the size budget',
      'spec.components[0]',
      overBudget,
      `over the limit of ${MAX_POLICY_BYTES / 1024} KiB`,
    ],
  ])(
    '%s: InvalidSpec naming %s, the last good policies stay, one Warning Event',
    async (_case, path, edit, says) => {
      const { cluster, reconcile, converge, status, ready } = setup();
      await converge();
      const enforced = cluster.policyNames().map((n) => cluster.policy(n));
      cluster.putProfile(webProfile(edit));
      cluster.sync();

      expect(await reconcile()).toBeUndefined();
      expect(cluster.writeLog()).toEqual([`apply-status ${KEY}`]);
      expect(cluster.policyNames().map((n) => cluster.policy(n))).toEqual(enforced);
      expect(ready()).toMatchObject({ status: 'False', reason: Reason.InvalidSpec, observedGeneration: 2 });
      expect(ready()?.message).toContain(path);
      expect(ready()?.message).toContain(says);
      expect(status()).toMatchObject({
        observedGeneration: 2,
        policies: [BACKEND, FRONTEND],
        policyCount: 2,
      });
      expect(cluster.events.map((e) => [e.type, e.reason])).toEqual([['Warning', 'InvalidSpec']]);
      expect(cluster.events[0]?.note).toContain(path);

      // Identical re-runs, before and after the cache saw the status: nothing written, no new Event.
      await reconcile();
      cluster.sync();
      await reconcile();
      expect(cluster.writeLog()).toEqual([`apply-status ${KEY}`]);
      expect(cluster.events).toHaveLength(1);
    },
  );
});

describe('Audit', () => {
  it('on a new profile: no policy action, status.audit lists what Enforce would create', async () => {
    const { cluster, reconcile, status, ready } = setup(webProfile(audit));
    await reconcile();
    expect(cluster.writeLog()).toEqual([`apply-status ${KEY}`]);
    expect(cluster.policyNames()).toEqual([]);
    expect(ready()).toMatchObject({ status: 'True', reason: Reason.Audit });
    expect(status()).toMatchObject({ mode: 'Audit', policies: [BACKEND, FRONTEND] });
    expect(status()?.audit).toEqual({ create: [BACKEND, FRONTEND] });
    expect(cluster.events.map((e) => [e.type, e.reason])).toEqual([['Normal', 'Audit']]);
    cluster.sync();
    cluster.clearActions();
    await reconcile(); // no policy action ever, and a resync writes nothing
    expect(cluster.actions).toEqual([]);
  });

  it('switched from Enforce: the owned policies stay; status.audit lists create, update and delete', async () => {
    const { cluster, reconcile, converge, status } = setup(webProfile(withDb));
    await converge();
    const enforced = cluster.policyNames().map((n) => cluster.policy(n));
    expect(cluster.policyNames()).toEqual([at(BACKEND), at(DB), at(FRONTEND)]);
    // Audit, db dropped (delete), the port changed (update both), a new component (create).
    cluster.putProfile(
      webProfile((spec) => {
        audit(spec);
        withPort(9090)(spec);
        (spec.components as unknown[]).push({ name: 'cache', podSelector: { matchLabels: { role: 'c' } } });
      }),
    );
    cluster.sync();

    await reconcile();
    expect(cluster.writeLog()).toEqual([`apply-status ${KEY}`]);
    expect(cluster.policyNames().map((n) => cluster.policy(n))).toEqual(enforced);
    const cache = policyName(PROFILE, 'cache');
    expect(status()).toMatchObject({ mode: 'Audit', policies: [BACKEND, cache, FRONTEND] });
    expect(status()?.audit).toEqual({ create: [cache], update: [BACKEND, FRONTEND], delete: [DB] });
    expect(status()?.conditions?.[0]?.message).toContain('(3 owned)');

    cluster.sync();
    cluster.clearActions();
    await reconcile();
    expect(cluster.actions).toEqual([]);
  });
});

describe('a wanted name held by a policy this profile does not own', () => {
  const foreign = (name: string, metadata: Partial<LivePolicy['metadata']>): LivePolicy => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: NS, ...metadata },
    spec: { podSelector: {} },
  });

  it.each([
    [
      'without our labels (not in the cache)',
      foreign(FRONTEND, {
        managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update' }],
      } as Partial<LivePolicy['metadata']>),
      'no owner; written by kubectl-client-side-apply',
    ],
    ['with our labels and no owner', foreign(FRONTEND, { labels: ourLabels }), 'no owner'],
    [
      'with our labels, owned by another profile',
      foreign(FRONTEND, { labels: ourLabels, ownerReferences: ownedBy('other', 'uid-other') }),
      'owned by AppTrustProfile other',
    ],
  ])('%s: never written, Conflict names the owner, requeued after a while', async (_case, policy, owner) => {
    const { cluster, reconcile, status, ready } = setup();
    const held = cluster.putPolicy(policy);
    cluster.sync();

    expect(await reconcile()).toEqual({ requeueAfterMs: CONFLICT_RETRY_MS });
    expect(cluster.attemptedWrites().filter((a) => a.key === at(FRONTEND) && a.verb !== 'create')).toEqual(
      [],
    );
    expect(cluster.policy(at(FRONTEND))).toEqual(held);
    expect(cluster.writeLog()).toEqual([`create ${at(BACKEND)}`, `apply-status ${KEY}`]);
    expect(ready()).toMatchObject({ status: 'False', reason: Reason.Conflict });
    expect(ready()?.message).toContain(`${FRONTEND} (${owner})`);
    // The status lists only the policies this profile holds.
    expect(status()).toMatchObject({ policies: [BACKEND], policyCount: 1 });
    expect(cluster.events.map((e) => [e.type, e.reason])).toEqual([
      ['Normal', 'Applied'],
      ['Warning', 'Conflict'],
    ]);

    // Looking again later: still not taken over, no new status, no new Event.
    cluster.sync();
    cluster.clearActions();
    expect(await reconcile()).toEqual({ requeueAfterMs: CONFLICT_RETRY_MS });
    expect(cluster.writes()).toEqual([]);
    expect(cluster.policy(at(FRONTEND))).toEqual(held);
    expect(cluster.events).toEqual([]);
  });

  it('a policy with our labels but another owner is neither pruned nor overwritten', async () => {
    const { cluster, reconcile } = setup();
    const other = ownedBy(PROFILE, 'uid-previous-incarnation');
    const namesake = cluster.putPolicy(foreign(FRONTEND, { labels: ourLabels, ownerReferences: other }));
    const leftover = cluster.putPolicy(foreign(DB, { labels: ourLabels, ownerReferences: other }));
    cluster.sync();
    await reconcile();
    cluster.sync();
    await reconcile();
    expect(cluster.attemptedWrites().filter((a) => a.key === at(FRONTEND) || a.key === at(DB))).toEqual([]);
    expect(cluster.policy(at(FRONTEND))).toEqual(namesake);
    expect(cluster.policy(at(DB))).toEqual(leftover);
  });
});

describe('409 Conflict from a stale cache', () => {
  it('replace → 409: quiet retry, no Event, no status write; the retry after the cache caught up repairs', async () => {
    const { cluster, reconcile, converge, status } = setup();
    await converge();
    const converged = status();
    const drifted = (port: number) => {
      const p = cluster.policy(at(BACKEND)) as LivePolicy;
      (p.spec as { ingress: Array<{ ports: unknown[] }> }).ingress[0] = {
        ports: [{ port, protocol: 'TCP' }],
      };
      cluster.putPolicy(p);
    };
    drifted(1); // seen by the cache
    cluster.sync();
    drifted(2); // not yet seen: the cache's resourceVersion is stale

    expect(await reconcile()).toEqual({ retry: true });
    expect(cluster.attemptedWrites().map((a) => `${a.verb} ${a.key} ${a.result}`)).toEqual([
      `replace ${at(BACKEND)} Conflict`,
    ]);
    expect(cluster.events).toEqual([]);
    expect(status()).toEqual(converged);

    cluster.sync();
    cluster.clearActions();
    expect(await reconcile()).toBeUndefined();
    expect(cluster.writeLog()).toEqual([`replace ${at(BACKEND)}`]);
    expect(cluster.events.map((e) => e.reason)).toEqual(['Repaired']);
  });

  it('replace → NotFound (deleted meanwhile): quiet retry as well', async () => {
    const { cluster, reconcile, converge } = setup();
    await converge();
    cluster.inject('replace', () => new KubeApiError(404, 'gone', 'NotFound'));
    const p = cluster.policy(at(BACKEND)) as LivePolicy;
    p.spec = { podSelector: {} };
    cluster.putPolicy(p);
    cluster.sync();
    expect(await reconcile()).toEqual({ retry: true });
    expect(cluster.events).toEqual([]);
    expect(cluster.writes()).toEqual([]);
  });
});

describe('only its own namespace', () => {
  it('a policy in another namespace whose (invalid) ownerReference names the profile is never touched', async () => {
    const { cluster, reconcile, converge } = setup(webProfile(withDb));
    await converge();
    const uid = cluster.profile(KEY)?.metadata.uid as string;
    cluster.putNamespace({ metadata: { name: 'bank' } });
    // Same labels and owner as ours, same name as a policy the spec no longer wants: a prune candidate
    // if ownership were decided by uid alone.
    const [db] = cluster.policyNames().filter((k) => k.endsWith(DB));
    const foreign = { ...(cluster.policy(db as string) as LivePolicy) };
    cluster.putPolicy({
      ...foreign,
      metadata: { name: DB, namespace: 'bank', labels: ourLabels, ownerReferences: ownedBy(PROFILE, uid) },
    });
    cluster.putProfile(webProfile());
    cluster.sync();
    cluster.clearActions();
    await reconcile();
    expect(cluster.writeLog()).toEqual([`delete ${at(DB)}`, `apply-status ${KEY}`]);
    expect(cluster.policy(`bank/${DB}`)).toBeDefined();
    expect(cluster.actions.every((a) => a.key.startsWith(`${NS}/`))).toBe(true);
  });
});

describe('prune', () => {
  it('deletes an owned policy the spec no longer renders, after the wanted ones are in place', async () => {
    const { cluster, reconcile, converge } = setup(webProfile(withDb));
    await converge();
    cluster.putProfile(webProfile());
    cluster.sync();
    await reconcile();
    expect(cluster.writeLog()).toEqual([`delete ${at(DB)}`, `apply-status ${KEY}`]);
    expect(cluster.policyNames()).toEqual([at(BACKEND), at(FRONTEND)]);
    expect(cluster.events.map((e) => e.note)).toEqual([`NetworkPolicies deleted ${DB}`]);
  });

  it('when a create fails, the old owned policy is NOT deleted (and ApplyFailed is reported)', async () => {
    const { cluster, reconcile, converge, ready } = setup(webProfile(withDb));
    await converge();
    const cache = policyName(PROFILE, 'cache');
    cluster.putProfile(
      webProfile((spec) => {
        (spec.components as unknown[]).push({ name: 'cache', podSelector: { matchLabels: { role: 'c' } } });
      }),
    );
    cluster.sync();
    cluster.inject('create', () => new KubeApiError(500, 'etcdserver: request timed out'), { name: cache });

    await expect(reconcile()).rejects.toThrow('etcdserver: request timed out');
    expect(cluster.attemptedWrites().filter((a) => a.verb === 'delete')).toEqual([]);
    expect(cluster.policyNames()).toContain(at(DB));
    expect(ready()).toMatchObject({ status: 'False', reason: Reason.ApplyFailed });
    expect(cluster.events.map((e) => [e.type, e.reason])).toEqual([['Warning', 'ApplyFailed']]);

    cluster.sync();
    cluster.clearActions();
    await reconcile();
    expect(cluster.writeLog()).toEqual([`create ${at(cache)}`, `delete ${at(DB)}`, `apply-status ${KEY}`]);
  });

  it('a prune that finds the policy gone or re-created (NotFound, uid Conflict) is not an error', async () => {
    const { cluster, reconcile, converge } = setup(webProfile(withDb));
    await converge();
    cluster.putProfile(webProfile());
    cluster.sync();
    cluster.inject('delete', () => new KubeApiError(409, 'uid precondition failed', 'Conflict'));
    await expect(reconcile()).resolves.toBeUndefined();
  });
});

describe('migration from v1 names (<profile>-<component>)', () => {
  const v1Setup = () => {
    const s = setup();
    for (const p of s.rendered())
      s.cluster.putPolicy(renamed(p, `${PROFILE}-${p.metadata.labels['apptrust.dev/component']}`));
    s.cluster.sync();
    return s;
  };

  it('creates every new name before it deletes any old one', async () => {
    const { cluster, reconcile } = v1Setup();
    await reconcile();
    expect(cluster.writeLog()).toEqual([
      `create ${at(BACKEND)}`,
      `create ${at(FRONTEND)}`,
      `delete ${at('web-backend')}`,
      `delete ${at('web-frontend')}`,
      `apply-status ${KEY}`,
    ]);
    expect(cluster.policyNames()).toEqual([at(BACKEND), at(FRONTEND)]);
  });

  it('keeps every old name while a new one could not be created', async () => {
    const { cluster, reconcile } = v1Setup();
    cluster.inject('create', () => new KubeApiError(503, 'unavailable'), { name: FRONTEND });
    await expect(reconcile()).rejects.toThrow('unavailable');
    expect(cluster.policyNames()).toEqual([at('web-backend'), at('web-frontend'), at(BACKEND)]);
  });
});

describe('drift and status written by someone else', () => {
  const edit = (cluster: FakeCluster) => {
    const p = cluster.policy(at(FRONTEND)) as LivePolicy;
    p.spec = { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] }; // kubectl edit: allow all
    cluster.putPolicy(p);
  };

  it.each([
    [
      'an owned policy edited at the enforced generation',
      'Repaired',
      `NetworkPolicies restored ${FRONTEND}`,
      edit,
    ],
    [
      'an owned policy deleted at the enforced generation',
      'Repaired',
      `NetworkPolicies restored ${FRONTEND}`,
      (c: FakeCluster) => c.writer.delete(NS, FRONTEND, undefined),
    ],
    [
      'a new spec (new generation)',
      'Applied',
      `NetworkPolicies applied ${BACKEND}, ${FRONTEND}`,
      (c: FakeCluster) => c.putProfile(webProfile(withPort(9090))),
    ],
  ])('%s: a %s Event', async (_case, reason, note, change) => {
    const { cluster, reconcile, converge, rendered } = setup();
    await converge();
    await change(cluster);
    cluster.sync();
    cluster.clearActions();
    await reconcile();
    expect(cluster.events.map((e) => [e.type, e.reason, e.note])).toEqual([['Normal', reason, note]]);
    for (const want of rendered()) expect(cluster.policy(at(want.metadata.name))?.spec).toEqual(want.spec);
  });

  it('a status rewritten by someone else is put back, once', async () => {
    const { cluster, reconcile, converge, status, ready, requeued } = setup();
    await converge();
    const ours = status();
    cluster.patchProfileStatus(KEY, {
      observedGeneration: 0,
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Whatever',
          message: 'x',
          lastTransitionTime: '2020-01-01T00:00:00Z',
        },
      ],
    });
    cluster.sync();
    expect(requeued).toEqual([KEY]); // not our echo: looked at again
    await reconcile();
    expect(cluster.writeLog()).toEqual([`apply-status ${KEY}`]);
    expect(status()).toMatchObject({ observedGeneration: 1, policies: ours.policies });
    expect(ready()).toMatchObject({ status: 'True', reason: Reason.Reconciled, observedGeneration: 1 });
    cluster.sync();
    expect(requeued).toEqual([KEY]); // our rewrite's echo queues nothing
    cluster.clearActions();
    await reconcile();
    expect(cluster.actions).toEqual([]);
  });

  it('a foreign condition is neither copied into our apply nor a reason to write', async () => {
    const { cluster, reconcile, converge, status } = setup();
    await converge();
    const theirs = {
      type: 'Healthy',
      status: 'True' as const,
      reason: 'Probed',
      message: 'ok',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    cluster.patchProfileStatus(KEY, { conditions: [...(status().conditions ?? []), theirs] });
    cluster.sync();
    await reconcile();
    expect(cluster.actions).toEqual([]);

    cluster.putProfile(webProfile(withPort(9090))); // a real reason to write status
    cluster.sync();
    cluster.clearActions();
    await reconcile();
    const applied = cluster.writes().find((a) => a.verb === 'apply-status')?.body as ProfileStatus;
    expect(applied.conditions?.map((c) => c.type)).toEqual(['Ready']);
    expect(
      status()
        .conditions?.map((c) => c.type)
        .sort(),
    ).toEqual(['Healthy', 'Ready']);
  });
});

describe('lost lease (every write fenced)', () => {
  const expectFenced = async (cluster: FakeCluster, reconcile: () => Promise<unknown>) => {
    await expect(reconcile()).rejects.toBeInstanceOf(FencedError);
    expect(cluster.writes().filter((a) => a.verb === 'apply-status')).toEqual([]);
    expect(cluster.events).toEqual([]);
  };

  it('fenced before the first write: the FencedError propagates, nothing is written', async () => {
    const { cluster, reconcile } = setup();
    cluster.fence();
    await expectFenced(cluster, reconcile);
    expect(cluster.writes()).toEqual([]);
  });

  it('fenced after the first create: the rest is refused and no status is written', async () => {
    const { cluster, reconcile } = setup();
    cluster.fenceAfter(1);
    await expectFenced(cluster, reconcile);
    expect(cluster.writeLog()).toEqual([`create ${at(BACKEND)}`]);
    // In-flight work stops: not even an attempt at an ApplyFailed Event or a status write.
    expect(cluster.attemptedWrites().map((a) => `${a.verb} ${a.key} ${a.result}`)).toEqual([
      `create ${at(BACKEND)} ok`,
      `create ${at(FRONTEND)} Fenced`,
    ]);
    expect(cluster.refusedEvents.map((e) => e.reason)).toEqual([]);
  });

  it('fenced between the creates and the prune: old names stay, no status', async () => {
    const { cluster, reconcile, rendered } = setup();
    for (const p of rendered())
      cluster.putPolicy(renamed(p, `${PROFILE}-${p.metadata.labels['apptrust.dev/component']}`));
    cluster.sync();
    cluster.fenceAfter(2);
    await expectFenced(cluster, reconcile);
    expect(cluster.policyNames()).toEqual([at('web-backend'), at('web-frontend'), at(BACKEND), at(FRONTEND)]);
  });

  it.each([
    [
      'only a status write is due (status written by someone else)',
      (c: FakeCluster) => c.patchProfileStatus(KEY, { observedGeneration: 0 }),
    ],
    ['an invalid spec', (c: FakeCluster) => c.putProfile(webProfile(noComponents))],
    ['a switch to Audit', (c: FakeCluster) => c.putProfile(webProfile(audit))],
  ])('fenced when %s: propagated, no status', async (_case, change) => {
    const { cluster, reconcile, converge } = setup();
    await converge();
    change(cluster);
    cluster.sync();
    cluster.fence();
    await expectFenced(cluster, reconcile);
    expect(cluster.writes()).toEqual([]);
  });
});
