// The AppTrustProfile controller's registration (controller-runtime's SetupWithManager): it reads
// profiles, our NetworkPolicies, namespaces, Services and (Audit evidence) pods and every
// NetworkPolicy; a profile event queues the profile, a policy event queues the profile that owns it,
// a Service event or a DNS name's new answer queues the profiles that name it; the echoes of our own
// writes queue nothing.

import { type Component, namespaceLabelsBy } from '../analysis/index.js';
import {
  BASELINE_POLICY_KIND,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  POLICY_KIND_LABEL,
} from '../api/v1alpha1/keys.js';
import type { NetworkPolicy } from '../compiler/index.js';
import { namespacedCache, type ObjectCache } from '../kube/cache.js';
import type { InformerEvent } from '../kube/informer.js';
import { type KubeObject, keyOf } from '../kube/objects.js';
import { profiles as profilesPath } from '../kube/paths.js';
import type { LivePolicy } from '../kube/policy-store.js';
import { ProfileStatusWriter } from '../kube/status-writer.js';
import { auditEvidenceSource } from './audit-source.js';
import {
  byNamespace,
  type CacheSpec,
  MANAGED_POLICIES,
  NAMESPACE_INDEX,
  NAMESPACES,
  OWNER_INDEX,
  PODS,
} from './caches.js';
import { type ControllerSetup, type Manager, watch } from './controller.js';
import { EndpointInputsWatch } from './endpoint-inputs.js';
import {
  emptyBaseline,
  expectedBaselineOf,
  intentCondition,
  LivePods,
  profileWidening,
} from './intent-widening.js';
import {
  type ProfileObject,
  ProfileReconciler,
  type ProfileReconcilerDeps,
  profileKeyOfPolicy,
} from './profile-reconciler.js';
import { WriteMemo } from './write-memo.js';

export const PROFILE_CONTROLLER = 'apptrustprofile';

export const PROFILES: CacheSpec<ProfileObject> = {
  name: 'apptrustprofiles',
  create(c) {
    const cache = namespacedCache<ProfileObject>(c.rest, c.kubeConfig, profilesPath, c.watched, c.log);
    cache.addIndex(NAMESPACE_INDEX, byNamespace);
    return cache;
  },
};

/** The signal by which the widening controller asks for a profile's IntentHonored to be rewritten. */
export const INTENT_CHANGES = 'intent-changes';

/** Our writes not yet seen by the informers: their echoes need no reconcile. */
export interface PendingWrites {
  policyWrites: WriteMemo;
  statusWrites: WriteMemo;
}

/** Which profiles an event calls for: the mapping the Operator runs (unit tests drive it too). */
export function profileEventKeys(writes: PendingWrites) {
  return {
    profile(_event: InformerEvent, profile: ProfileObject): string[] {
      const key = keyOf(profile.metadata);
      // The echo of our own status write needs nothing; any other change, status written by
      // someone else included, is looked at again (and rewritten only if it differs).
      return writes.statusWrites.settle(key, profile.metadata.resourceVersion) ? [] : [key];
    },
    policy(event: InformerEvent, policy: LivePolicy): string[] {
      const echo = writes.policyWrites.settle(keyOf(policy.metadata), policy.metadata.resourceVersion);
      if (echo && event !== 'delete') return []; // exactly what we just wrote
      if (policy.metadata.labels?.[POLICY_KIND_LABEL] === BASELINE_POLICY_KIND) return []; // the baseline controller's
      const key = profileKeyOfPolicy(policy);
      return key ? [key] : [];
    },
  };
}

/** The profile reconciler over the controller's caches, writing through the manager's clients. */
function profileReconciler(
  manager: Manager,
  caches: {
    profiles: ObjectCache<ProfileObject>;
    policies: ObjectCache<LivePolicy>;
    namespaces: ObjectCache<KubeObject>;
  },
  writes: PendingWrites,
  endpoints: EndpointInputsWatch,
): ProfileReconciler {
  const { profiles, policies, namespaces } = caches;
  const evidence = auditEvidenceSource(manager);
  return new ProfileReconciler({
    policies: manager.policyStore,
    status: new ProfileStatusWriter(manager.rest),
    profileCache: profiles,
    policyCache: {
      get: (key) => policies.get(key),
      ownedBy: (uid) => policies.byIndex(OWNER_INDEX, uid),
    },
    namespaceCache: namespaces,
    events: manager.events,
    ...writes,
    settings: manager.options.compiler,
    now: () => new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    conflictRetryMs: manager.conflictRetryMs,
    ...(evidence ? { auditEvidence: evidence } : {}),
    endpoints,
    promises: manager.promises,
    intent: intentJudge(manager, policies, namespaces),
  });
}

/** The policies cache holds every policy: the managed-policies gauge counts those carrying our label. */
function managedPolicyCounter(manager: Manager): (event: InformerEvent, policy: LivePolicy) => void {
  const managed = new Set<string>();
  return (event, policy) => {
    const key = keyOf(policy.metadata);
    if (event !== 'delete' && policy.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE)
      managed.add(key);
    else managed.delete(key);
    manager.metrics.managedPolicies.set(managed.size);
  };
}

/** IntentHonored for the status write: the profile's own policies against the namespace's others. */
function intentJudge(
  manager: Manager,
  policies: ObjectCache<LivePolicy>,
  namespaces: ObjectCache<KubeObject>,
): NonNullable<ProfileReconcilerDeps['intent']> {
  const { options } = manager;
  const pods = new LivePods(options.auditEvidence ? manager.cache(PODS) : undefined, NAMESPACE_INDEX);
  const namespaceLabels = namespaceLabelsBy((name) => namespaces.get(name)?.metadata);
  const baseline = expectedBaselineOf(options) ?? emptyBaseline;
  return (profile, own) => {
    const namespace = profile.metadata.namespace as string;
    const widening = profileWidening({
      namespace,
      world: pods.world(namespaceLabels),
      policies: policies.byIndex(NAMESPACE_INDEX, namespace),
      ownerUid: profile.metadata.uid ?? '',
      own,
      // Only called for a spec that rendered: it has passed validation.
      components: (profile.spec as { components: Component[] }).components,
      expectedBaseline: baseline(namespace),
    });
    return intentCondition(widening);
  };
}

export const setupProfileController: ControllerSetup = (manager) => {
  const profiles = manager.cache(PROFILES);
  const policies = manager.cache(MANAGED_POLICIES);
  const namespaces = manager.cache(NAMESPACES);
  const writes: PendingWrites = { policyWrites: new WriteMemo(), statusWrites: new WriteMemo() };
  const endpoints = new EndpointInputsWatch(manager, profiles, ({ metadata }) =>
    enforcedHosts(
      metadata.uid
        ? policies
            .byIndex(OWNER_INDEX, metadata.uid)
            .filter((p) => p.metadata.namespace === metadata.namespace)
        : [],
    ),
  );
  const reconciler = profileReconciler(manager, { profiles, policies, namespaces }, writes, endpoints);
  const intentChanges = manager.signal(INTENT_CHANGES);
  const eventKeys = profileEventKeys(writes);
  const countManaged = managedPolicyCounter(manager);
  const allProfiles = () => profiles.list().map((p) => keyOf(p.metadata));
  return {
    name: PROFILE_CONTROLLER,
    watches: [
      watch(profiles, eventKeys.profile, () => {
        writes.statusWrites.clear();
        return [];
      }),
      watch(
        policies,
        (event, policy) => {
          countManaged(event, policy);
          return eventKeys.policy(event, policy);
        },
        // A relist bridged a gap in a watch: an object created and deleted inside it sent no event,
        // so pending writes are forgotten and every profile is looked at again (writes only what differs).
        () => {
          writes.policyWrites.clear();
          return allProfiles();
        },
      ),
      ...endpoints.watches(),
      // The widening controller saw the namespace change under a profile's IntentHonored.
      watch(intentChanges, (_event, object) => [keyOf(object.metadata)]),
    ],
    keys: allProfiles,
    async reconcile(key, ctx) {
      endpoints.startTerm(ctx.signal);
      const result = await reconciler.reconcile(key, ctx);
      if (result.reason !== undefined) manager.metrics.profileReason(key, result.reason ?? undefined);
      return result;
    },
  };
};

/** The /32 and /128 ipBlocks of a profile's policies: the DNS addresses it enforces now. */
function enforcedHosts(owned: readonly LivePolicy[]): Set<string> {
  const hosts = new Set<string>();
  for (const p of owned)
    for (const rule of (p.spec as Partial<NetworkPolicy['spec']> | undefined)?.egress ?? [])
      for (const peer of rule.to ?? []) {
        const cidr = peer.ipBlock?.cidr;
        if (cidr && !peer.ipBlock?.except && (cidr.endsWith('/32') || cidr.endsWith('/128'))) hosts.add(cidr);
      }
  return hosts;
}
