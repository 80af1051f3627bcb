// The namespace-baseline controller's registration (controller-runtime's SetupWithManager): it
// reads namespaces and NetworkPolicies; a namespace event, or an event of the policy named
// apptrust-default-deny in it (whatever its labels: a tenant can strip them), queues the namespace. Also with --baseline=false: the reconciler then removes what it created
// (rollback).
import { BASELINE_POLICY_NAME } from '../compiler/index.js';
import type { OperatorOptions } from '../config.js';
import { BaselineRecord } from '../kube/baseline-record.js';
import { NamespaceLabels } from '../kube/namespace-labels.js';
import { registerBaselineMetrics } from './baseline-metrics.js';
import { BaselineReconciler } from './baseline-reconciler.js';
import { allExcluded } from './baseline-scope.js';
import { MANAGED_POLICIES, NAMESPACES } from './caches.js';
import { type ControllerSetup, watch } from './controller.js';

export const BASELINE_CONTROLLER = 'namespace-baseline';

/** The namespace as a key when in scope: the namespaces informer is cluster-wide, the rest is not. */
export function namespaceKeys(options: Pick<OperatorOptions, 'watchNamespaces'>) {
  const watched = options.watchNamespaces;
  return (namespace: string | undefined): string[] =>
    namespace !== undefined && (watched.length === 0 || watched.includes(namespace)) ? [namespace] : [];
}

export const setupBaselineController: ControllerSetup = (manager) => {
  const { options } = manager;
  const namespaces = manager.cache(NAMESPACES);
  const policies = manager.cache(MANAGED_POLICIES);
  const reconciler = new BaselineReconciler({
    store: manager.policyStore,
    namespaces,
    policies,
    record: new BaselineRecord(manager.rest, options.operatorNamespace),
    labels: new NamespaceLabels(manager.rest),
    events: manager.events,
    compiler: options.compiler,
    baseline: {
      enabled: options.baseline,
      allowDNS: options.baselineAllowDNS,
      excluded: allExcluded(options.operatorNamespace, options.baselineExclude),
      watched: options.watchNamespaces,
      existing: options.baselineExisting,
    },
    blockedRetryMs: manager.conflictRetryMs,
  });
  registerBaselineMetrics(manager.metrics.registry, () => reconciler.protectionCounts());
  const keyOf = namespaceKeys(options);
  const allNamespaces = () => namespaces.list().flatMap((ns) => keyOf(ns.metadata.name));
  return {
    name: BASELINE_CONTROLLER,
    watches: [
      watch(namespaces, (_event, ns) => keyOf(ns.metadata.name)),
      watch(
        policies,
        (_event, policy) =>
          policy.metadata.name === BASELINE_POLICY_NAME ? keyOf(policy.metadata.namespace) : [],
        allNamespaces,
      ),
    ],
    keys: allNamespaces,
    reconcile: (key, ctx) => reconciler.reconcile(key, ctx),
  };
};
