// Reconciles one AppTrustProfile: compile → apply what differs → prune → status. Reads come from
// informer caches; only differences cost a request, so a resync of unchanged profiles writes nothing.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { API_VERSION, KIND, type ProfileStatus } from '../api/v1alpha1/index.js';
import {
  type CompilerSettings,
  formatDiagnostic,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type NetworkPolicy,
  PROFILE_LABEL,
  renderProfile,
} from '../compiler/index.js';
import type { ObjectCache } from '../kube/cache.js';
import { isNotFound, KubeApiError } from '../kube/errors.js';
import type { EventRecorder, Regarding } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import { type KubeObject, keyOf, splitKey } from '../kube/objects.js';
import { networkPolicy, profileStatus } from '../kube/paths.js';
import {
  FIELD_MANAGER,
  isControlledBy,
  isUpToDate,
  type LivePolicy,
  type PolicyStore,
} from '../kube/policy-store.js';
import type { KubeRest } from '../kube/rest.js';
import { Reason } from './conditions.js';
import { desiredStatus, ownedStatusFields, type ReconcileOutcome } from './profile-status.js';
import type { Outcome } from './queue.js';

export interface ProfileObject extends KubeObject {
  spec?: unknown;
  status?: ProfileStatus;
}

export interface ProfileReconcilerDeps {
  rest: KubeRest;
  store: PolicyStore;
  profiles: ObjectCache<ProfileObject>;
  policies: ObjectCache<LivePolicy>;
  namespaces: Informer<KubeObject>;
  events: EventRecorder;
  settings: CompilerSettings;
  log: Logger;
  now: () => string;
  /** How soon to look again at a name held by a policy that is not ours. */
  conflictRetryMs: number;
}

export class ProfileReconciler {
  constructor(private readonly deps: ProfileReconcilerDeps) {}

  async reconcile(key: string): Promise<Outcome> {
    const profile = this.deps.profiles.get(key);
    if (!profile || profile.metadata.deletionTimestamp) return undefined; // children go by garbage collection
    const { namespace } = splitKey(key);
    // Everything in a namespace being deleted goes with it, and the API server refuses new content
    // there: re-creating a policy the namespace controller just removed would only fail.
    if (this.deps.namespaces.get(namespace)?.metadata.deletionTimestamp) return undefined;
    const rendered = renderProfile(profile, { settings: this.deps.settings, defaultNamespace: namespace });
    const owned = this.ownedPolicies(profile);

    if (rendered.diagnostics.length > 0) {
      // Keep the last good policies untouched: bad input never loosens or drops protection.
      const message = rendered.diagnostics.map(formatDiagnostic).join('; ');
      this.event(profile, 'Warning', Reason.InvalidSpec, 'Validate', message);
      await this.writeStatus(profile, {
        reason: Reason.InvalidSpec,
        message,
        policies: owned.map((p) => p.metadata.name),
        mode: rendered.mode,
      });
      return undefined;
    }

    if (rendered.mode === 'Audit') {
      await this.prune(profile, owned, new Set());
      const names = rendered.policies.map((p) => p.metadata.name);
      await this.writeStatus(profile, {
        reason: Reason.Audit,
        message: `Audit: would enforce ${names.length} NetworkPolicies`,
        policies: names,
        mode: 'Audit',
      });
      return undefined;
    }

    const conflicts: string[] = [];
    const failures: string[] = [];
    for (const desired of rendered.policies) {
      const result = await this.ensure(profile, desired);
      if (result === 'conflict') conflicts.push(desired.metadata.name);
      else if (result instanceof Error) failures.push(`${desired.metadata.name}: ${result.message}`);
    }
    await this.prune(profile, owned, new Set(rendered.policies.map((p) => p.metadata.name)));

    const names = rendered.policies.map((p) => p.metadata.name).filter((n) => !conflicts.includes(n));
    if (failures.length > 0) {
      const message = `apply failed: ${failures.join('; ')}`;
      this.event(profile, 'Warning', Reason.ApplyFailed, 'Apply', message);
      await this.writeStatus(profile, {
        reason: Reason.ApplyFailed,
        message,
        policies: names,
        mode: 'Enforce',
      });
      throw new Error(message); // retried with backoff
    }
    if (conflicts.length > 0) {
      const message = `NetworkPolicy ${conflicts.join(', ')} exists and is not owned by this profile; not taken over`;
      this.event(profile, 'Warning', Reason.Conflict, 'Apply', message);
      await this.writeStatus(profile, { reason: Reason.Conflict, message, policies: names, mode: 'Enforce' });
      return { requeueAfterMs: this.deps.conflictRetryMs };
    }
    await this.writeStatus(profile, {
      reason: Reason.Reconciled,
      message: `${names.length} NetworkPolicies enforced`,
      policies: names,
      mode: 'Enforce',
    });
    return undefined;
  }

  /** Policies in the profile's namespace that this profile controls (label + ownerReference). */
  private ownedPolicies(profile: ProfileObject): LivePolicy[] {
    const ns = profile.metadata.namespace;
    return this.deps.policies
      .list()
      .filter(
        (p) =>
          p.metadata.namespace === ns &&
          p.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
          isControlledBy(p, profile.metadata.uid),
      );
  }

  private async ensure(profile: ProfileObject, desired: NetworkPolicy): Promise<'ok' | 'conflict' | Error> {
    const live = this.deps.policies.get(keyOf(desired.metadata));
    try {
      if (!live) {
        await this.deps.store.create(desired);
        this.event(profile, 'Normal', 'Applied', 'Create', `created NetworkPolicy ${desired.metadata.name}`);
        return 'ok';
      }
      if (!isControlledBy(live, profile.metadata.uid)) return 'conflict';
      if (isUpToDate(live, desired)) return 'ok';
      await this.deps.store.replace(live, desired);
      this.event(profile, 'Normal', 'Applied', 'Apply', `applied NetworkPolicy ${desired.metadata.name}`);
      return 'ok';
    } catch (error) {
      if (error instanceof KubeApiError && error.reason === 'AlreadyExists')
        return this.ensureExisting(profile, desired);
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Create said AlreadyExists: either our own write the cache has not seen yet, or a foreign object. */
  private async ensureExisting(
    profile: ProfileObject,
    desired: NetworkPolicy,
  ): Promise<'ok' | 'conflict' | Error> {
    try {
      const live = await this.deps.rest.get<LivePolicy>(
        networkPolicy(desired.metadata.namespace, desired.metadata.name),
      );
      if (!isControlledBy(live, profile.metadata.uid)) return 'conflict';
      if (!isUpToDate(live, desired)) await this.deps.store.replace(live, desired);
      return 'ok';
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private async prune(profile: ProfileObject, owned: LivePolicy[], keep: ReadonlySet<string>): Promise<void> {
    for (const stale of owned.filter((p) => !keep.has(p.metadata.name))) {
      try {
        await this.deps.store.delete(
          stale.metadata.namespace as string,
          stale.metadata.name,
          stale.metadata.uid,
        );
        this.event(profile, 'Normal', 'Pruned', 'Delete', `deleted NetworkPolicy ${stale.metadata.name}`);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  }

  private async writeStatus(
    profile: ProfileObject,
    outcome: Omit<ReconcileOutcome, 'generation'>,
  ): Promise<void> {
    const status = desiredStatus(
      profile.status,
      { ...outcome, generation: profile.metadata.generation },
      this.deps.now,
    );
    if (isDeepStrictEqual(ownedStatusFields(profile.status), status)) return;
    const { namespace, name } = {
      namespace: profile.metadata.namespace as string,
      name: profile.metadata.name,
    };
    const body = { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, status };
    try {
      await this.deps.rest.apply(profileStatus(namespace, name), body, FIELD_MANAGER);
    } catch (error) {
      if (!isNotFound(error)) throw error; // deleted meanwhile: nothing to report on
    }
  }

  private event(
    profile: ProfileObject,
    type: 'Normal' | 'Warning',
    reason: string,
    action: string,
    note: string,
  ): void {
    const regarding: Regarding = {
      apiVersion: API_VERSION,
      kind: KIND,
      namespace: profile.metadata.namespace as string,
      name: profile.metadata.name,
      ...(profile.metadata.uid ? { uid: profile.metadata.uid } : {}),
    };
    this.deps.events.record(regarding, type, reason, action, note);
  }
}

/** The profile a managed policy belongs to, as a work-queue key. */
export function profileKeyOfPolicy(policy: LivePolicy): string | undefined {
  const owner = policy.metadata.ownerReferences?.find(
    (r) => r.controller && r.kind === KIND && r.apiVersion.startsWith('apptrust.dev/'),
  );
  if (owner) return `${policy.metadata.namespace}/${owner.name}`;
  const label = policy.metadata.labels?.[PROFILE_LABEL];
  return label && policy.metadata.namespace ? `${policy.metadata.namespace}/${label}` : undefined;
}
