// Keeps `apptrust-default-deny` in every namespace in scope: created for new namespaces,
// back-filled for existing ones, re-created when deleted, restored when edited, removed when the
// namespace opts out. Ownership is by label (a namespace cannot own a namespaced object).
import type { Logger } from 'pino';
import {
  BASELINE_OPT_OUT_LABEL,
  BASELINE_OPT_OUT_VALUE,
  BASELINE_POLICY_NAME,
  baselinePolicyFor,
  type CompilerSettings,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
} from '../compiler/index.js';
import type { ObjectCache } from '../kube/cache.js';
import { isNotFound, KubeApiError } from '../kube/errors.js';
import type { Informer } from '../kube/informer.js';
import type { KubeObject } from '../kube/objects.js';
import { isUpToDate, type LivePolicy, type PolicyStore } from '../kube/policy-store.js';
import type { Outcome } from './queue.js';

export const ALWAYS_EXCLUDED = ['kube-system', 'kube-public', 'kube-node-lease'];

export interface BaselineSettings {
  allowDNS: boolean;
  /** Namespaces never given a baseline, besides ALWAYS_EXCLUDED and the operator's own. */
  excluded: ReadonlySet<string>;
  operatorNamespace: string;
}

export interface BaselineReconcilerDeps {
  store: PolicyStore;
  namespaces: Informer<KubeObject>;
  policies: ObjectCache<LivePolicy>;
  compiler: CompilerSettings;
  baseline: BaselineSettings;
  log: Logger;
}

const isOurs = (p: LivePolicy) => p.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;

export function wantsBaseline(ns: KubeObject, settings: BaselineSettings): boolean {
  const name = ns.metadata.name;
  return (
    !ALWAYS_EXCLUDED.includes(name) &&
    name !== settings.operatorNamespace &&
    !settings.excluded.has(name) &&
    ns.metadata.labels?.[BASELINE_OPT_OUT_LABEL] !== BASELINE_OPT_OUT_VALUE
  );
}

export class BaselineReconciler {
  constructor(private readonly deps: BaselineReconcilerDeps) {}

  async reconcile(namespaceName: string): Promise<Outcome> {
    const ns = this.deps.namespaces.get(namespaceName);
    if (!ns || ns.metadata.deletionTimestamp) return undefined;
    const live = this.deps.policies.get(`${namespaceName}/${BASELINE_POLICY_NAME}`);

    if (!wantsBaseline(ns, this.deps.baseline)) {
      if (live && isOurs(live)) await this.remove(live);
      return undefined;
    }
    const desired = baselinePolicyFor(namespaceName, {
      allowDNS: this.deps.baseline.allowDNS,
      settings: this.deps.compiler,
    });
    if (live && isUpToDate(live, desired)) return undefined;
    try {
      if (live) await this.deps.store.replace(live, desired);
      else await this.deps.store.create(desired);
    } catch (error) {
      // A policy of that name that is not ours (no managed-by label, so not in our cache): leave it.
      if (error instanceof KubeApiError && error.reason === 'AlreadyExists') {
        this.deps.log.warn(
          { namespace: namespaceName },
          `${BASELINE_POLICY_NAME} exists and is not ours; left alone`,
        );
        return undefined;
      }
      throw error;
    }
    return undefined;
  }

  private async remove(live: LivePolicy): Promise<void> {
    try {
      await this.deps.store.delete(live.metadata.namespace as string, live.metadata.name, live.metadata.uid);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
