// The namespace-baseline reconciler without a cluster (sample-controller's expected actions): a
// FakeCluster holds namespaces, policies and the BaselineRecord; each case drives a reconcile and
// asserts the API calls in order, the marker and the Events. The real API server and the admission
// gate stay the reference in test/integration/baseline*.test.ts.
import { pino } from 'pino';
import {
  BaselineEventReason,
  EventAction,
  PROTECTED_LABEL,
  PROTECTED_VALUE,
} from '../../../src/api/v1alpha1/index.js';
import {
  BASELINE_OPT_OUT_LABEL,
  BASELINE_OPT_OUT_VALUE,
  BASELINE_POLICY_NAME,
  baselinePolicyFor,
  DEFAULT_SETTINGS,
} from '../../../src/compiler/index.js';
import { BaselineReconciler } from '../../../src/controller/baseline-reconciler.js';
import { allExcluded } from '../../../src/controller/baseline-scope.js';
import type { ObjectMeta } from '../../../src/kube/objects.js';
import { FakeCluster } from '../../helpers/fake-cluster.js';

const NS = 'shop';
const POLICY = `${NS}/${BASELINE_POLICY_NAME}`;
const RETRY_MS = 12_345;
const ENABLED_SINCE = '2026-11-01T00:00:00Z';
const log = pino({ level: 'silent' });
const ctx = () => ({ log, signal: new AbortController().signal });
const MARKED = { [PROTECTED_LABEL]: PROTECTED_VALUE };

/** A namespace created after the baseline was first enabled (in scope: "new"), with `labels`. */
const namespace = (labels: Record<string, string> = {}, meta: Partial<ObjectMeta> = {}) => ({
  metadata: { name: NS, uid: 'ns-uid', creationTimestamp: '2026-11-02T00:00:00Z', labels, ...meta },
});

const ourBaseline = () => baselinePolicyFor(NS, { allowDNS: false, settings: DEFAULT_SETTINGS });

function setup(options: { enabled?: boolean; existing?: boolean } = {}) {
  const cluster = new FakeCluster();
  const reconciler = new BaselineReconciler({
    store: cluster.writer,
    namespaces: cluster.namespaceCache,
    policies: cluster.policyCache,
    record: cluster.recordClient,
    labels: cluster.namespaceLabels,
    events: cluster.eventSink,
    compiler: DEFAULT_SETTINGS,
    baseline: {
      enabled: options.enabled ?? true,
      allowDNS: false,
      excluded: allExcluded('apptrust-system', []),
      watched: [],
      existing: options.existing ?? false,
    },
    blockedRetryMs: RETRY_MS,
  });
  const reconcile = () => reconciler.reconcile(NS, ctx());
  const events = () => cluster.events.map((e) => `${e.type} ${e.reason} ${e.action}`);
  return { cluster, reconcile, events };
}

describe('BaselineReconciler', () => {
  it('creates the baseline in a new namespace, then marks it protected (record first)', async () => {
    const { cluster, reconcile, events } = setup();
    cluster.putNamespace(namespace());
    cluster.sync();
    expect(await reconcile()).toEqual({});
    expect(cluster.writeLog()).toEqual(['create-record record', `create ${POLICY}`, `label ${NS}`]);
    expect(cluster.policy(POLICY)?.spec).toEqual(ourBaseline().spec);
    expect(cluster.namespace(NS)?.metadata.labels).toEqual(MARKED);
    expect(events()).toEqual([`Normal ${BaselineEventReason.BaselineCreated} ${EventAction.Create}`]);
    expect(cluster.events[0]?.regarding).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      namespace: NS,
      name: NS,
      uid: 'ns-uid',
    });
  });

  it('writes nothing when the baseline is in place and the namespace marked', async () => {
    const { cluster, reconcile } = setup();
    cluster.putRecord(ENABLED_SINCE, {
      excluded: [...allExcluded('apptrust-system', [])].sort(),
      existing: false,
      watched: [],
    });
    cluster.putNamespace(namespace(MARKED));
    cluster.putPolicy(ourBaseline());
    cluster.sync();
    expect(await reconcile()).toEqual({});
    expect(cluster.writeLog()).toEqual([]);
    expect(cluster.events).toEqual([]);
  });

  it('restores an edited baseline in place (replace, BaselineRestored)', async () => {
    const { cluster, reconcile, events } = setup();
    cluster.putNamespace(namespace(MARKED));
    const edited = ourBaseline();
    edited.spec = { ...edited.spec, ingress: [{}] };
    cluster.putPolicy(edited);
    cluster.sync();
    expect(await reconcile()).toEqual({});
    expect(cluster.writeLog()).toEqual(['create-record record', `replace ${POLICY}`]);
    expect(cluster.policy(POLICY)?.spec).toEqual(ourBaseline().spec);
    expect(events()).toEqual([`Normal ${BaselineEventReason.BaselineRestored} ${EventAction.Restore}`]);
  });

  it('re-creates a deleted baseline of a protected namespace as a restore', async () => {
    const { cluster, reconcile, events } = setup();
    cluster.putNamespace(namespace(MARKED));
    cluster.sync();
    await reconcile();
    expect(cluster.writeLog()).toEqual(['create-record record', `create ${POLICY}`]);
    expect(events()).toEqual([`Normal ${BaselineEventReason.BaselineRestored} ${EventAction.Create}`]);
  });

  it('a second reconcile before the cache has seen its own create: no Warning, the marker stays (seen at 20,000)', async () => {
    const { cluster, reconcile, events } = setup();
    cluster.putNamespace(namespace());
    cluster.sync();
    await reconcile(); // creates and marks; the cache has not seen the policy yet
    cluster.sync();
    // The marker's echo arrives, the policy's does not: the cache lags behind on policies only.
    const cachedPolicies = cluster.policyCache.get;
    cluster.policyCache.get = () => undefined;
    try {
      expect(await reconcile()).toEqual({});
    } finally {
      cluster.policyCache.get = cachedPolicies;
    }
    expect(cluster.attemptedWrites().map((a) => `${a.verb} ${a.key} ${a.result}`)).toEqual([
      'create-record record ok',
      `create ${POLICY} ok`,
      `label ${NS} ok`,
      `create ${POLICY} AlreadyExists`, // then a read past the cache finds it in force
    ]);
    expect(cluster.namespace(NS)?.metadata.labels).toEqual(MARKED);
    expect(events()).toEqual([`Normal ${BaselineEventReason.BaselineCreated} ${EventAction.Create}`]);
  });

  it('leaves a foreign policy of that name alone, does not mark, and looks again later (blocked)', async () => {
    const { cluster, reconcile, events } = setup();
    cluster.putNamespace(namespace());
    // Not in the operator's cache (no managed-by label): the create finds it.
    cluster.putPolicy({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: BASELINE_POLICY_NAME, namespace: NS },
      spec: { podSelector: {} },
    });
    cluster.sync();
    expect(await reconcile()).toEqual({ outcome: { requeueAfterMs: RETRY_MS } });
    expect(cluster.attemptedWrites().map((a) => `${a.verb} ${a.key} ${a.result}`)).toEqual([
      'create-record record ok',
      `create ${POLICY} AlreadyExists`,
    ]);
    expect(cluster.namespace(NS)?.metadata.labels).toEqual({});
    expect(events()).toEqual([`Warning ${BaselineEventReason.BaselineBlocked} ${EventAction.Create}`]);
  });

  it('in scope, the policy of that name is the baseline even with a profile as owner: put back as rendered, owner dropped (issue 17)', async () => {
    const { cluster, reconcile, events } = setup();
    cluster.putNamespace(namespace());
    const owned = ourBaseline();
    owned.metadata.ownerReferences = [
      {
        apiVersion: 'apptrust.dev/v1alpha1',
        kind: 'AppTrustProfile',
        name: 'p',
        uid: 'p-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
    cluster.putPolicy(owned);
    cluster.sync();
    expect(await reconcile()).toEqual({});
    expect(cluster.writeLog()).toEqual(['create-record record', `replace ${POLICY}`, `label ${NS}`]);
    // (The owner dropped by the real PUT: test/integration/baseline.test.ts reads it back.)
    expect(events()).toEqual([`Normal ${BaselineEventReason.BaselineRestored} ${EventAction.Restore}`]);
  });

  it('removes our baseline and our marker when the namespace opts out', async () => {
    const { cluster, reconcile, events } = setup();
    cluster.putNamespace(namespace({ ...MARKED, [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE }));
    cluster.putPolicy(ourBaseline());
    cluster.sync();
    expect(await reconcile()).toEqual({});
    expect(cluster.writeLog()).toEqual(['create-record record', `delete ${POLICY}`, `label ${NS}`]);
    expect(cluster.actions.find((a) => a.verb === 'label')?.body).toEqual({ [PROTECTED_LABEL]: null });
    expect(cluster.policy(POLICY)).toBeUndefined();
    expect(cluster.namespace(NS)?.metadata.labels).toEqual({
      [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE,
    });
    expect(events()).toEqual([`Normal ${BaselineEventReason.BaselineRemoved} ${EventAction.Delete}`]);
  });

  it('does not touch a namespace that existed before the baseline and never opted in', async () => {
    const { cluster, reconcile } = setup();
    cluster.putNamespace(namespace({}, { creationTimestamp: '2026-10-01T00:00:00Z' }));
    cluster.sync();
    expect(await reconcile()).toEqual({});
    expect(cluster.writeLog()).toEqual(['create-record record']);
  });

  it('warns about a baseline label value it does not understand (and treats it as absent)', async () => {
    const { cluster, reconcile, events } = setup();
    cluster.putNamespace(namespace({ [BASELINE_OPT_OUT_LABEL]: 'off' }));
    cluster.sync();
    await reconcile();
    expect(events()).toEqual([
      `Warning ${BaselineEventReason.UnknownBaselineValue} ${EventAction.Validate}`,
      `Normal ${BaselineEventReason.BaselineCreated} ${EventAction.Create}`,
    ]);
    expect(cluster.writeLog()).toEqual(['create-record record', `create ${POLICY}`, `label ${NS}`]);
  });

  it('--baseline=false rolls back: the record goes before the policy and the marker', async () => {
    const { cluster, reconcile, events } = setup({ enabled: false });
    cluster.putRecord(ENABLED_SINCE, { excluded: [], existing: false, watched: [] });
    cluster.putNamespace(namespace(MARKED));
    cluster.putPolicy(ourBaseline());
    cluster.sync();
    expect(await reconcile()).toEqual({});
    // Without the record the admission gate admits every pod: removing markers after it can never
    // leave a namespace whose pods are refused.
    expect(cluster.writeLog()).toEqual(['delete-record record', `delete ${POLICY}`, `label ${NS}`]);
    expect(cluster.baselineRecord()).toBeUndefined();
    expect(cluster.namespace(NS)?.metadata.labels).toEqual({});
    expect(events()).toEqual([`Normal ${BaselineEventReason.BaselineRemoved} ${EventAction.Delete}`]);
  });

  it('rolls back nothing further when the record cannot be removed (the queue retries)', async () => {
    const { cluster, reconcile } = setup({ enabled: false });
    cluster.putNamespace(namespace(MARKED));
    cluster.putPolicy(ourBaseline());
    cluster.sync();
    cluster.inject('delete-record', () => new Error('etcdserver: request timed out'));
    await expect(reconcile()).rejects.toThrow('etcdserver: request timed out');
    expect(cluster.writeLog()).toEqual([]);
    expect(cluster.namespace(NS)?.metadata.labels).toEqual(MARKED);
    await reconcile(); // the next attempt removes the record first, then the rest
    expect(cluster.writeLog()).toEqual(['delete-record record', `delete ${POLICY}`, `label ${NS}`]);
  });
});
