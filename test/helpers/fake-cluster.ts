// An in-memory stand-in for the API server and the informer caches, for unit tests of reconcilers
// (sample-controller's fake clientset idea): it stores policies and profiles, assigns uids and
// resourceVersions, answers AlreadyExists / Conflict (409) / NotFound the way the API server does,
// records every call as an action, and can inject errors or refuse writes as a fenced replica would.
// The caches lag behind the store until `sync()`, like an informer that has not seen a write yet.
// For the baseline reconciler it also holds namespaces (their labels: the protected marker) and the
// BaselineRecord.
import { isDeepStrictEqual } from 'node:util';
import type { ProfileStatus } from '../../src/api/v1alpha1/index.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type NetworkPolicy } from '../../src/compiler/index.js';
import type { ProfileObject, ProfileReconcilerDeps } from '../../src/controller/profile-reconciler.js';
import type { BaselineRecordSpec } from '../../src/kube/baseline-record.js';
import { FencedError, KubeApiError } from '../../src/kube/errors.js';
import type { EventType, Regarding } from '../../src/kube/events.js';
import type { InformerHandler } from '../../src/kube/informer.js';
import { type KubeObject, keyOf } from '../../src/kube/objects.js';
import { isControlledBy, type LivePolicy, type PolicyWriter } from '../../src/kube/policy-store.js';
import type { StatusApplier } from '../../src/kube/status-writer.js';

export type Verb =
  | 'create'
  | 'replace'
  | 'delete'
  | 'get'
  | 'apply-status'
  | 'release-intent'
  | 'label'
  | 'create-record'
  | 'update-record'
  | 'delete-record';

export interface Action {
  verb: Verb;
  /** "namespace/name" of the object (apply-status: of the profile; label: the namespace's name; *-record: the record). */
  key: string;
  /** The object or status sent (writes only). */
  body?: unknown;
  /** 'ok', or why the call failed: the API reason, 'Fenced', or the injected error's message. */
  result: string;
}

export interface RecordedEvent {
  regarding: Regarding;
  type: EventType;
  reason: string;
  action: string;
  note: string;
}

interface Injection {
  verb: Verb;
  name: string | undefined;
  error: () => Error;
  times: number;
}

/**
 * A copy as it would come off the wire. Not structuredClone: under Jest it builds objects of another
 * realm, whose prototypes make isDeepStrictEqual (the reconciler's no-op check) see a difference.
 */
const clone = <T>(value: T): T => (value === undefined ? value : JSON.parse(JSON.stringify(value)));

const apiError = (status: number, reason: string, message: string) =>
  new KubeApiError(status, message, reason);

export class FakeCluster {
  readonly actions: Action[] = [];
  /** Events that reached the API server. */
  readonly events: RecordedEvent[] = [];
  /** Events a fenced replica tried to send (refused, as the real recorder's POST would be). */
  readonly refusedEvents: RecordedEvent[] = [];
  private readonly policies = new Map<string, LivePolicy>();
  private readonly profiles = new Map<string, ProfileObject>();
  private readonly namespaces = new Map<string, KubeObject>();
  /** Top-level status fields our field manager set last, per profile (server-side apply ownership). */
  private readonly ourStatusFields = new Map<string, string[]>();
  /** Per profile, the condition types our last status apply set (server-side apply owns them). */
  private readonly ourConditionTypes = new Map<string, string[]>();
  /**
   * When set, every accepted write reaches the informers (sync) before its response returns: the
   * order a watch often shows on a busy API server.
   */
  echoBeforeResponse = false;
  /** Runs after an accepted write, before its response returns (default with echoBeforeResponse: sync). */
  beforeResponse: ((action: Action) => void) | undefined;
  private cachedPolicies = new Map<string, LivePolicy>();
  private cachedProfiles = new Map<string, ProfileObject>();
  private readonly injections: Injection[] = [];
  private readonly policyHandlers: Array<InformerHandler<LivePolicy>> = [];
  private readonly profileHandlers: Array<InformerHandler<ProfileObject>> = [];
  private fenceReason: string | undefined;
  /** Writes still allowed before the fence closes (undefined: no countdown). */
  private writesBeforeFence: number | undefined;
  /** The BaselineRecord: when the baseline was first enabled, and the scope settings it holds. */
  private record: { creationTimestamp: string; spec: BaselineRecordSpec } | undefined;
  /** The creationTimestamp the API server gives a record created now. */
  recordClock = () => '2026-11-01T00:00:00Z';
  private revision = 100;
  private uids = 0;

  // --- the store, as other actors (users, kubectl, another controller) change it -----------------

  /** Creates or replaces a profile; a new spec bumps the generation, like the API server. */
  putProfile(profile: ProfileObject): ProfileObject {
    const key = keyOf(profile.metadata);
    const current = this.profiles.get(key);
    const stored = clone(profile);
    stored.metadata.uid = current?.metadata.uid ?? profile.metadata.uid ?? this.nextUid();
    const specChanged = !current || !isDeepStrictEqual(current.spec, profile.spec);
    stored.metadata.generation = (current?.metadata.generation ?? 0) + (specChanged ? 1 : 0);
    if (current && profile.status === undefined && current.status !== undefined)
      stored.status = current.status;
    stored.metadata.resourceVersion = this.nextVersion();
    this.profiles.set(key, stored);
    return clone(stored);
  }

  /** Someone else writes the status subresource (a patch: only the given fields change). */
  patchProfileStatus(key: string, status: ProfileStatus): void {
    const current = this.mustHaveProfile(key);
    current.status = { ...current.status, ...clone(status) };
    current.metadata.resourceVersion = this.nextVersion();
  }

  deleteProfile(key: string): void {
    this.profiles.delete(key);
  }

  /** A policy written by anyone: the operator's own (as a previous run left it) or a foreign one. */
  putPolicy(policy: LivePolicy): LivePolicy {
    const key = keyOf(policy.metadata);
    const stored = clone(policy);
    stored.metadata.uid = this.policies.get(key)?.metadata.uid ?? policy.metadata.uid ?? this.nextUid();
    stored.metadata.resourceVersion = this.nextVersion();
    this.policies.set(key, stored);
    return clone(stored);
  }

  putNamespace(namespace: KubeObject): void {
    this.namespaces.set(namespace.metadata.name, clone(namespace));
  }

  namespace(name: string): KubeObject | undefined {
    return clone(this.namespaces.get(name));
  }

  /** The BaselineRecord as stored (an earlier run, or the operator, wrote it). */
  putRecord(creationTimestamp: string, spec: BaselineRecordSpec): void {
    this.record = { creationTimestamp, spec: clone(spec) };
  }

  baselineRecord(): { creationTimestamp: string; spec: BaselineRecordSpec } | undefined {
    return clone(this.record);
  }

  policy(key: string): LivePolicy | undefined {
    const p = this.policies.get(key);
    return p && clone(p);
  }

  profile(key: string): ProfileObject | undefined {
    const p = this.profiles.get(key);
    return p && clone(p);
  }

  policyNames(): string[] {
    return [...this.policies.keys()].sort();
  }

  /** Called for every informer event, as the operator wires its WriteMemos (settle on each event). */
  onPolicyEvent(handler: InformerHandler<LivePolicy>): void {
    this.policyHandlers.push(handler);
  }

  onProfileEvent(handler: InformerHandler<ProfileObject>): void {
    this.profileHandlers.push(handler);
  }

  /**
   * The informers catch up: the caches show the store as it is now, and each object that differs
   * gets one event (as after a relist: a state that came and went in between is never seen).
   */
  sync(): void {
    const policies = [...this.policies].filter(([, p]) => isManaged(p));
    this.cachedPolicies = deliver(this.cachedPolicies, new Map(policies), this.policyHandlers);
    this.cachedProfiles = deliver(this.cachedProfiles, this.profiles, this.profileHandlers);
  }

  // --- faults --------------------------------------------------------------------------------------

  /** The next `times` calls of `verb` (on `name`, or any) fail with `error`. */
  inject(verb: Verb, error: () => Error, options: { name?: string; times?: number } = {}): void {
    this.injections.push({ verb, name: options.name, error, times: options.times ?? 1 });
  }

  /** From now on every write is refused as a replica past its lease's renew deadline refuses it. */
  fence(reason = 'leader lease last renewed 10001 ms ago'): void {
    this.fenceReason = reason;
  }

  /** The fence closes after `n` more writes succeed (a lease that expires mid-reconcile). */
  fenceAfter(n: number): void {
    this.writesBeforeFence = n;
  }

  // --- what the test asserts on ---------------------------------------------------------------------

  /** Writes the API server accepted (gets and refused writes left out). */
  writes(): Action[] {
    return this.actions.filter((a) => a.verb !== 'get' && a.result === 'ok');
  }

  /** Every write attempted, accepted or not. */
  attemptedWrites(): Action[] {
    return this.actions.filter((a) => a.verb !== 'get');
  }

  /** "verb key" of each accepted write, in order: compact for table assertions. */
  writeLog(): string[] {
    return this.writes().map((a) => `${a.verb} ${a.key}`);
  }

  clearActions(): void {
    this.actions.length = 0;
    this.events.length = 0;
    this.refusedEvents.length = 0;
  }

  // --- the interfaces the reconciler is given --------------------------------------------------------

  readonly writer: PolicyWriter = {
    create: async (policy: NetworkPolicy) => {
      const key = keyOf(policy.metadata);
      const act = this.call('create', key, policy);
      if (this.policies.has(key)) this.fail(act, apiError(409, 'AlreadyExists', `${key} exists`));
      const stored: LivePolicy = clone(policy);
      stored.metadata.uid = this.nextUid();
      stored.metadata.resourceVersion = this.nextVersion();
      (stored.metadata as { managedFields?: unknown }).managedFields = [
        { manager: 'apptrust-operator', operation: 'Update' },
      ];
      this.policies.set(key, stored);
      return this.ok(act, clone(stored));
    },
    replace: async (live: LivePolicy, desired: NetworkPolicy) => {
      const key = keyOf(desired.metadata);
      const act = this.call('replace', key, desired);
      const current = this.policies.get(key);
      if (!current) this.fail(act, apiError(404, 'NotFound', `${key} not found`));
      if (live.metadata.resourceVersion !== current.metadata.resourceVersion)
        this.fail(act, apiError(409, 'Conflict', `${key}: the object has been modified`));
      if (live.metadata.uid !== undefined && live.metadata.uid !== current.metadata.uid)
        this.fail(act, apiError(409, 'Conflict', `${key}: uid precondition failed`));
      // What PolicyStore.replace sends: the live metadata with our labels, annotations and owner.
      const stored: LivePolicy = {
        apiVersion: desired.apiVersion,
        kind: desired.kind,
        metadata: {
          ...clone(current.metadata),
          labels: { ...current.metadata.labels, ...desired.metadata.labels },
          ...(desired.metadata.annotations || current.metadata.annotations
            ? { annotations: { ...current.metadata.annotations, ...desired.metadata.annotations } }
            : {}),
          ...(desired.metadata.ownerReferences
            ? { ownerReferences: clone(desired.metadata.ownerReferences) }
            : {}),
          resourceVersion: this.nextVersion(),
        },
        spec: clone(desired.spec),
      };
      this.policies.set(key, stored);
      return this.ok(act, clone(stored));
    },
    delete: async (namespace: string, name: string, uid: string | undefined) => {
      const key = `${namespace}/${name}`;
      const act = this.call('delete', key);
      const current = this.policies.get(key);
      if (!current) this.fail(act, apiError(404, 'NotFound', `${key} not found`));
      if (uid !== undefined && uid !== current.metadata.uid)
        this.fail(act, apiError(409, 'Conflict', `${key}: uid precondition failed`));
      this.policies.delete(key);
      this.ok(act, undefined);
    },
    get: async (namespace: string, name: string) => {
      const key = `${namespace}/${name}`;
      const act = this.call('get', key);
      const current = this.policies.get(key);
      if (!current) this.fail(act, apiError(404, 'NotFound', `${key} not found`));
      return this.ok(act, clone(current));
    },
  };

  readonly statusApplier: StatusApplier = {
    applyStatus: async (namespace: string, name: string, status: ProfileStatus) => {
      const key = `${namespace}/${name}`;
      const act = this.call('apply-status', key, status);
      const current = this.profiles.get(key);
      if (!current) this.fail(act, apiError(404, 'NotFound', `${key} not found`));
      // Server-side apply: fields we set before and leave out now are removed; other managers'
      // fields stay; conditions are a map keyed by type, so other types stay theirs.
      const merged: Record<string, unknown> = { ...current.status };
      for (const field of this.ourStatusFields.get(key) ?? []) delete merged[field];
      const before = this.ourConditionTypes.get(key) ?? [];
      const theirConditions = (current.status?.conditions ?? []).filter(
        (c) => !before.includes(c.type) && !(status.conditions ?? []).some((ours) => ours.type === c.type),
      );
      this.ourConditionTypes.set(
        key,
        (status.conditions ?? []).map((c) => c.type),
      );
      Object.assign(merged, clone(status));
      const conditions = [...theirConditions, ...clone(status.conditions ?? [])];
      if (conditions.length > 0) merged.conditions = conditions;
      this.ourStatusFields.set(key, Object.keys(status));
      current.status = merged as ProfileStatus;
      current.metadata.resourceVersion = this.nextVersion();
      return this.ok(act, current.metadata.resourceVersion);
    },
    /** Earlier versions' field manager gives up IntentHonored (held only when not ours too). */
    releaseIntent: async (namespace: string, name: string) => {
      const key = `${namespace}/${name}`;
      const act = this.call('release-intent', key);
      const current = this.mustHaveProfile(key);
      if (!(this.ourConditionTypes.get(key) ?? []).includes('IntentHonored') && current.status?.conditions) {
        current.status.conditions = current.status.conditions.filter((c) => c.type !== 'IntentHonored');
        current.metadata.resourceVersion = this.nextVersion();
      }
      this.ok(act, undefined);
    },
  };

  readonly eventSink: ProfileReconcilerDeps['events'] = {
    record: (regarding, type, reason, action, note) => {
      const event = { regarding, type, reason, action, note };
      // The real recorder POSTs through the same fenced client, and only logs a refusal.
      if (this.fenced) this.refusedEvents.push(event);
      else this.events.push(event);
    },
  };

  readonly profileCache = { get: (key: string) => clone(this.cachedProfiles.get(key)) };

  /** The operator's policy cache: only policies carrying the managed-by label (its label selector). */
  readonly policyCache = {
    get: (key: string) => {
      const p = this.cachedPolicies.get(key);
      return p && isManaged(p) ? clone(p) : undefined;
    },
    ownedBy: (uid: string) =>
      [...this.cachedPolicies.values()].filter((p) => isManaged(p) && isControlledBy(p, uid)).map(clone),
  };

  readonly namespaceCache = {
    get: (name: string) => clone(this.namespaces.get(name)),
    list: () => [...this.namespaces.values()].map(clone),
  };

  /** What a ProfileReconciler reads and writes through, all of it this fake cluster. */
  get reconcilerClients() {
    return {
      policies: this.writer,
      status: this.statusApplier,
      profileCache: this.profileCache,
      policyCache: this.policyCache,
      namespaceCache: this.namespaceCache,
      events: this.eventSink,
    };
  }

  /** NamespaceLabels: a merge patch of one label (`null` removes it). */
  readonly namespaceLabels = {
    set: async (name: string, key: string, value: string | null) => {
      const act = this.call('label', name, { [key]: value });
      const current = this.namespaces.get(name);
      if (!current) this.fail(act, apiError(404, 'NotFound', `namespace ${name} not found`));
      const labels = { ...current.metadata.labels };
      if (value === null) delete labels[key];
      else labels[key] = value;
      current.metadata.labels = labels;
      this.ok(act, undefined);
    },
    /** The deploy manifests grant namespaces patch with the marker guard; here it is granted. */
    mayPatch: async () => true,
  };

  /** BaselineRecord (the kube client): created when absent, its spec kept up to date, removed on rollback. */
  readonly recordClient = {
    ensure: async (spec: BaselineRecordSpec): Promise<string> => {
      if (!this.record) {
        const act = this.call('create-record', 'record', spec);
        this.record = { creationTimestamp: this.recordClock(), spec: clone(spec) };
        this.ok(act, undefined);
      } else if (!isDeepStrictEqual(this.record.spec, spec)) {
        const act = this.call('update-record', 'record', spec);
        this.record.spec = clone(spec);
        this.ok(act, undefined);
      }
      return this.record.creationTimestamp;
    },
    remove: async (): Promise<void> => {
      const act = this.call('delete-record', 'record');
      this.record = undefined;
      this.ok(act, undefined);
    },
  };

  // --- internals -------------------------------------------------------------------------------------

  /** Records the call, then refuses it if fenced or if an injected error matches. */
  private call(verb: Verb, key: string, body?: unknown): Action {
    const action: Action = {
      verb,
      key,
      ...(body !== undefined ? { body: clone(body) } : {}),
      result: 'pending',
    };
    this.actions.push(action);
    if (verb !== 'get' && this.fenced)
      this.fail(action, new FencedError(`${verb} ${key} not sent: ${this.fenceReason}`));
    const i = this.injections.findIndex(
      (j) => j.verb === verb && (j.name === undefined || key.endsWith(`/${j.name}`)),
    );
    const injection = this.injections[i];
    if (injection) {
      injection.times -= 1;
      if (injection.times <= 0) this.injections.splice(i, 1);
      this.fail(action, injection.error());
    }
    return action;
  }

  private get fenced(): boolean {
    if (this.writesBeforeFence === 0 && this.fenceReason === undefined) this.fence();
    return this.fenceReason !== undefined;
  }

  private ok<T>(action: Action, value: T): T {
    action.result = 'ok';
    if (action.verb !== 'get') {
      if (this.beforeResponse) this.beforeResponse(action);
      else if (this.echoBeforeResponse) this.sync();
    }
    if (action.verb !== 'get' && this.writesBeforeFence !== undefined && this.writesBeforeFence > 0)
      this.writesBeforeFence -= 1;
    return value;
  }

  private fail(action: Action, error: Error): never {
    action.result =
      error instanceof KubeApiError ? error.reason : error instanceof FencedError ? 'Fenced' : error.message;
    throw error;
  }

  private mustHaveProfile(key: string): ProfileObject {
    const p = this.profiles.get(key);
    if (!p) throw new Error(`no profile ${key} in the fake cluster`);
    return p;
  }

  private nextVersion(): string {
    this.revision += 1;
    return String(this.revision);
  }

  private nextUid(): string {
    this.uids += 1;
    return `uid-${this.uids}`;
  }
}

/** The new cache, after one event to `handlers` for each object added, changed or deleted. */
function deliver<T extends KubeObject>(
  cached: ReadonlyMap<string, T>,
  store: ReadonlyMap<string, T>,
  handlers: ReadonlyArray<InformerHandler<T>>,
): Map<string, T> {
  const next = new Map([...store].map(([k, v]) => [k, clone(v)]));
  for (const [key, object] of next) {
    const before = cached.get(key);
    if (before?.metadata.resourceVersion === object.metadata.resourceVersion) continue;
    for (const handler of handlers) handler(before ? 'update' : 'add', clone(object));
  }
  for (const [key, object] of cached)
    if (!next.has(key)) for (const handler of handlers) handler('delete', clone(object));
  return next;
}

/** The operator's policy informer selects this label: other policies are not in its cache. */
const isManaged = (p: LivePolicy) => p.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
