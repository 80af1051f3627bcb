// The informer caches controllers share, one definition each (a cache only one controller reads
// may be declared in that controller's module instead). A controller asks the manager for a
// spec; the first ask builds the cache, later asks get the same one, and the Operator starts,
// syncs and stops exactly the caches that were asked for (one list, kept by CacheSet).

import type { Logger } from 'pino';
import { namespacedCache, type ObjectCache } from '../kube/cache.js';
import { Informer } from '../kube/informer.js';
import type { KubeAccess } from '../kube/kube-access.js';
import { type KubeObject, slimNamespace } from '../kube/objects.js';
import { namespaces, networkPolicies, pods } from '../kube/paths.js';
import { type SlimPod, slimPod } from '../kube/pods.js';
import type { LivePolicy } from '../kube/policy-store.js';
import type { KubeRest } from '../kube/rest.js';

/** What a cache is built from. */
export interface CacheContext {
  rest: KubeRest;
  kubeConfig: KubeAccess;
  /** --watch-namespaces: namespaced caches hold only these (empty: all). */
  watched: readonly string[];
  log: Logger;
}

/** One cache's definition; its identity is the spec object (declare it once, as a module constant). */
export interface CacheSpec<T extends KubeObject> {
  name: string;
  create(ctx: CacheContext): ObjectCache<T>;
}

/** Index of namespaced objects by namespace: one namespace's policies or profiles without a scan. */
export const NAMESPACE_INDEX = 'namespace';

export const byNamespace = (o: KubeObject): readonly string[] =>
  o.metadata.namespace ? [o.metadata.namespace] : [];

/** Index of managed policies by the uid of their controller owner: a profile's policies without a scan. */
export const OWNER_INDEX = 'owner-uid';

/** The owner-uid index value of a policy: the uid of its controller owner reference. */
export function controllerUid(policy: LivePolicy): readonly string[] {
  const owner = policy.metadata.ownerReferences?.find((r) => r.controller === true);
  return owner ? [owner.uid] : [];
}

/**
 * Every NetworkPolicy, ours (profile policies, baselines) and foreign ones: a foreign policy can hold
 * a wanted name or widen an intent. Ours are told apart by owner and labels, not by the cache.
 */
export const MANAGED_POLICIES: CacheSpec<LivePolicy> = {
  name: 'networkpolicies',
  create(c) {
    const cache = namespacedCache<LivePolicy>(c.rest, c.kubeConfig, networkPolicies, c.watched, c.log);
    cache.addIndex(OWNER_INDEX, controllerUid);
    cache.addIndex(NAMESPACE_INDEX, byNamespace);
    return cache;
  },
};

/** Cluster-wide, slimmed to what scope decisions read: the baseline and a profile's namespace check. */
export const NAMESPACES: CacheSpec<KubeObject> = {
  name: 'namespaces',
  create: (c) => new Informer(c.rest, c.kubeConfig, { path: namespaces(), transform: slimNamespace }, c.log),
};

/** Only for Audit's evidence (live flows): labels, IPs and declared ports, nothing else kept. */
export const PODS: CacheSpec<SlimPod> = {
  name: 'pods',
  create(c) {
    const cache = namespacedCache(c.rest, c.kubeConfig, pods, c.watched, c.log, undefined, slimPod);
    cache.addIndex(NAMESPACE_INDEX, byNamespace);
    return cache;
  },
};

/** The caches built so far, in the order they were asked for. */
export class CacheSet {
  private readonly built = new Map<CacheSpec<KubeObject>, ObjectCache<KubeObject>>();

  constructor(private readonly ctx: CacheContext) {}

  get<T extends KubeObject>(spec: CacheSpec<T>): ObjectCache<T> {
    const key = spec as unknown as CacheSpec<KubeObject>;
    let cache = this.built.get(key);
    if (!cache) {
      cache = spec.create(this.ctx) as unknown as ObjectCache<KubeObject>;
      this.built.set(key, cache);
    }
    return cache as unknown as ObjectCache<T>;
  }

  start(): void {
    for (const cache of this.built.values()) cache.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.built.values()].map((cache) => cache.waitForSync()));
  }

  hasSynced(): boolean {
    return [...this.built.values()].every((cache) => cache.hasSynced());
  }

  stop(): void {
    for (const cache of this.built.values()) cache.stop();
  }
}
