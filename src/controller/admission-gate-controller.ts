// The admission gate controller's registration: it watches the BaselineRecord by name (the gate's
// param) and, on the leader, checks it at start, whenever it is deleted, and every few seconds
// while it is missing (a deleted CRD sends no more events), re-creating it with the original time
// (admission-gate-watch.ts). Nothing to do with --baseline=false: rollback deletes the record.
import { BASELINE_RECORD_NAME, BaselineRecord } from '../kube/baseline-record.js';
import type { ObjectCache } from '../kube/cache.js';
import { Informer } from '../kube/informer.js';
import type { KubeObject } from '../kube/objects.js';
import { baselineRecords } from '../kube/paths.js';
import { AdmissionGateWatch } from './admission-gate-watch.js';
import { recordSpec } from './baseline-reconciler.js';
import { allExcluded } from './baseline-scope.js';
import type { CacheSpec } from './caches.js';
import { type ControllerSetup, watch } from './controller.js';

export const ADMISSION_GATE_CONTROLLER = 'admission-gate';
/** How soon a missing record is looked for again. */
export const MISSING_RECORD_RETRY_MS = 5_000;

/**
 * Never holds back start-up or readiness: with the record's CRD gone the list fails until it is
 * back, and the operator must run meanwhile (profiles, and saying that the gate is open).
 */
function neverBlocks<T extends KubeObject>(cache: ObjectCache<T>): ObjectCache<T> {
  return {
    on: (handler) => cache.on(handler),
    onRelist: (handler) => cache.onRelist(handler),
    get: (key) => cache.get(key),
    list: () => cache.list(),
    addIndex: (index, fn) => cache.addIndex(index, fn),
    byIndex: (index, value) => cache.byIndex(index, value),
    get size() {
      return cache.size;
    },
    hasSynced: () => true,
    waitForSync: async () => undefined,
    start: () => cache.start(),
    stop: () => cache.stop(),
  };
}

/** The one record, by name (RBAC grants list/watch on that name only). */
function recordCache(operatorNamespace: string): CacheSpec<KubeObject> {
  return {
    name: 'baselinerecords',
    create: (c) =>
      neverBlocks(
        new Informer<KubeObject>(
          c.rest,
          c.kubeConfig,
          {
            path: baselineRecords(operatorNamespace),
            fieldSelector: `metadata.name=${BASELINE_RECORD_NAME}`,
          },
          c.log,
        ),
      ),
  };
}

export const setupAdmissionGateController: ControllerSetup = (manager) => {
  const { options } = manager;
  const key = `${options.operatorNamespace}/${BASELINE_RECORD_NAME}`;
  if (!options.baseline)
    return { name: ADMISSION_GATE_CONTROLLER, watches: [], keys: () => [], reconcile: async () => ({}) };
  const records = manager.cache(recordCache(options.operatorNamespace));
  const gate = new AdmissionGateWatch({
    record: new BaselineRecord(manager.rest, options.operatorNamespace),
    scope: recordSpec({
      excluded: allExcluded(options.operatorNamespace, options.baselineExclude),
      watched: options.watchNamespaces,
      existing: options.baselineExisting,
    }),
    events: manager.events,
    operatorNamespace: options.operatorNamespace,
    log: manager.log,
    registry: manager.metrics.registry,
  });
  return {
    name: ADMISSION_GATE_CONTROLLER,
    watches: [
      watch(
        records,
        (event) => (event === 'delete' ? [key] : []),
        () => [key],
      ),
    ],
    keys: () => [key],
    reconcile: async () =>
      (await gate.check()) ? {} : { outcome: { requeueAfterMs: MISSING_RECORD_RETRY_MS } },
  };
};
