// The baseline reconciler without a cluster: the policy of the baseline's name is the operator's in
// a namespace in scope (restored whatever its labels or owners); when it cannot be put back the
// marker goes first; the gauge counts a namespace protected only when its baseline is in force; no
// namespaces patch permission, no marker. And the admission gate watch: a missing record is
// reported once and re-created with the original time.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { BASELINE_POLICY_NAME, baselinePolicyFor, DEFAULT_SETTINGS } from '../../../src/compiler/index.js';
import { AdmissionGateWatch } from '../../../src/controller/admission-gate-watch.js';
import {
  BaselineReconciler,
  type BaselineReconcilerDeps,
  isBaselineInForce,
} from '../../../src/controller/baseline-reconciler.js';
import { PROTECTED_LABEL } from '../../../src/controller/baseline-scope.js';
import type { BaselineRecord } from '../../../src/kube/baseline-record.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import type { KubeObject } from '../../../src/kube/objects.js';
import type { LivePolicy } from '../../../src/kube/policy-store.js';

const NS = 'shop';
const SINCE = '2026-01-01T00:00:00Z';
const desired = baselinePolicyFor(NS, { allowDNS: false, settings: DEFAULT_SETTINGS });
const log = pino({ level: 'silent' });
const ctx = { log, signal: new AbortController().signal };

function world(options: { live?: LivePolicy; marked?: boolean; replaceFails?: boolean; mayPatch?: boolean }) {
  const calls: string[] = [];
  const events: Array<{ type: string; reason: string; note: string }> = [];
  const ns: KubeObject & { metadata: { creationTimestamp: string } } = {
    metadata: {
      name: NS,
      uid: 'ns-uid',
      creationTimestamp: '2026-02-01T00:00:00Z',
      labels: options.marked ? { [PROTECTED_LABEL]: 'true' } : {},
    },
  };
  const deps = {
    store: {
      create: async () => {
        calls.push('create');
        return {} as LivePolicy;
      },
      replace: async (_live: LivePolicy, policy: unknown) => {
        calls.push(`replace ${JSON.stringify(policy)}`);
        if (options.replaceFails) throw new KubeApiError(403, 'refused by an admission policy', 'Forbidden');
        return {} as LivePolicy;
      },
      delete: async () => {
        calls.push('delete');
      },
    },
    namespaces: { get: () => ns, list: () => [ns] },
    policies: { get: (key: string) => (key === `${NS}/${BASELINE_POLICY_NAME}` ? options.live : undefined) },
    record: { ensure: async () => SINCE, remove: async () => undefined },
    labels: {
      set: async (_name: string, key: string, value: string | null) => {
        calls.push(`label ${key}=${value}`);
      },
      mayPatch: async () => options.mayPatch ?? true,
    },
    events: {
      record: (_r: unknown, type: string, reason: string, _a: string, note: string) => {
        events.push({ type, reason, note });
      },
    },
    compiler: DEFAULT_SETTINGS,
    baseline: { enabled: true, allowDNS: false, excluded: new Set<string>(), watched: [], existing: false },
    log,
    blockedRetryMs: 10,
  } as unknown as BaselineReconcilerDeps;
  return { reconciler: new BaselineReconciler(deps), calls, events };
}

/** Not structuredClone: under Jest it builds objects of another realm (isDeepStrictEqual differs). */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const live = (mods: Partial<LivePolicy['metadata']> & { spec?: unknown }): LivePolicy => {
  const { spec, ...metadata } = mods;
  return {
    ...copy(desired),
    metadata: { ...copy(desired.metadata), uid: 'p-uid', resourceVersion: '7', ...metadata },
    spec: spec ?? copy(desired.spec),
  } as LivePolicy;
};
const allowAll = { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] };

describe('the baseline is known by its name', () => {
  it("a stripped, allow-all policy of that name is put back as rendered (not reported as someone else's)", async () => {
    const stripped = live({ labels: { team: 'x' }, spec: allowAll });
    const { reconciler, calls, events } = world({ live: stripped, marked: true });
    await reconciler.reconcile(NS, ctx);
    expect(calls).toEqual([`replace ${JSON.stringify(desired)}`]);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'Normal',
        reason: 'BaselineRestored',
        note: expect.stringContaining('stripped'),
      }),
    ]);
  });

  it('a policy given an owner is not in force: restored too', async () => {
    const owned = live({ ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'u' }] });
    expect(isBaselineInForce(owned, desired)).toBe(false);
    expect(isBaselineInForce(live({}), desired)).toBe(true);
    const { reconciler, calls } = world({ live: owned, marked: true });
    await reconciler.reconcile(NS, ctx);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^replace /);
  });

  it('when it cannot be put back, the marker goes first (the gate refuses pods again), with a Warning', async () => {
    const { reconciler, calls, events } = world({
      live: live({ spec: allowAll }),
      marked: true,
      replaceFails: true,
    });
    const outcome = await reconciler.reconcile(NS, ctx);
    expect(calls.slice(1)).toEqual([`label ${PROTECTED_LABEL}=null`]);
    expect(outcome).toEqual({ outcome: { requeueAfterMs: 10 } });
    expect(events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'BaselineBlocked' })]);
  });

  it('counts a namespace protected only when marked and its baseline is in force as rendered', async () => {
    const edited = world({ live: live({ spec: allowAll }), marked: true });
    await edited.reconciler.reconcile(NS, ctx).catch(() => undefined); // loads the record
    const ok = world({ live: live({}), marked: true });
    await ok.reconciler.reconcile(NS, ctx);
    const gone = world({ live: undefined, marked: true });
    await gone.reconciler.reconcile(NS, ctx);
    // `edited` and `gone` were repaired by the fake store, but the caches still show the damage.
    expect(await edited.reconciler.protectionCounts()).toEqual({ protected: 0, unprotected: 1 });
    expect(await ok.reconciler.protectionCounts()).toEqual({ protected: 1, unprotected: 0 });
    expect(await gone.reconciler.protectionCounts()).toEqual({ protected: 0, unprotected: 1 });
  });

  it('without namespaces patch (no marker guard installed) it marks nothing and the policy alone counts', async () => {
    const { reconciler, calls } = world({ live: live({}), mayPatch: false });
    await reconciler.reconcile(NS, ctx);
    expect(calls).toEqual([]);
    expect(await reconciler.protectionCounts()).toEqual({ protected: 1, unprotected: 0 });
    const allowed = world({ live: live({}), mayPatch: true });
    await allowed.reconciler.reconcile(NS, ctx);
    expect(allowed.calls).toEqual([`label ${PROTECTED_LABEL}=true`]);
  });
});

describe('the admission gate watch', () => {
  function gate(options: { exists: boolean[]; ensureFails?: boolean }) {
    const events: Array<{ type: string; reason: string; note: string }> = [];
    const ensured: unknown[] = [];
    const registry = new Registry();
    const record = {
      enabledSince: SINCE,
      exists: async () => options.exists.shift() ?? true,
      ensure: async (scope: unknown) => {
        ensured.push(scope);
        if (options.ensureFails) throw new Error('the BaselineRecord CRD does not exist');
        return SINCE;
      },
    } as unknown as BaselineRecord;
    const watch = new AdmissionGateWatch({
      record,
      scope: { excluded: [], watched: [], existing: false },
      events: {
        record: (_r: unknown, type: string, reason: string, _a: string, note: string) =>
          events.push({ type, reason, note }),
      } as never,
      operatorNamespace: 'apptrust-system',
      log,
      registry,
    });
    const ready = async () =>
      Number((await registry.getSingleMetricAsString('apptrust_admission_gate_ready')).match(/ (\d)$/m)?.[1]);
    return { watch, events, ensured, ready };
  }

  it('a deleted record: a Warning, then re-created with the original time, and ready again', async () => {
    const { watch, events, ensured, ready } = gate({ exists: [false] });
    await watch.check();
    expect(ensured).toHaveLength(1);
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ['Warning', 'AdmissionGateOpen'],
      ['Normal', 'BaselineRecordRestored'],
    ]);
    expect(events[1]?.note).toContain(`original time ${SINCE}`);
    expect(await ready()).toBe(1);
  });

  it('a record that cannot come back (CRD gone): gauge 0, one Warning however often it is checked', async () => {
    const { watch, events, ready } = gate({
      exists: [false, false, false, false, false, false],
      ensureFails: true,
    });
    await watch.check();
    await watch.check();
    await watch.check();
    expect(events.map((e) => e.reason)).toEqual(['AdmissionGateOpen']);
    expect(await ready()).toBe(0);
  });
});
