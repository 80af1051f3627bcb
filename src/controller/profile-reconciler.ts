// Reconciles one AppTrustProfile: compile → plan against the cache → (Enforce) write what differs,
// prune only once every wanted policy is in place → status. Reads come from informer caches; only
// differences cost a request, so a resync or restart with nothing to do writes nothing.
import { isDeepStrictEqual } from 'node:util';
import {
  API_VERSION,
  type Condition,
  EventAction,
  EventReason,
  KIND,
  type ProfileStatus,
} from '../api/v1alpha1/index.js';
import {
  type CompilerSettings,
  canonicalJson,
  type EndpointInputs,
  formatDiagnostic,
  type NetworkPolicy,
  PROFILE_LABEL,
  type RenderResult,
  renderProfile,
} from '../compiler/index.js';
import { FencedError, isAlreadyExists, isConflict, isNotFound } from '../kube/errors.js';
import type { EventType, Regarding } from '../kube/events.js';
import { type KubeObject, keyOf, splitKey } from '../kube/objects.js';
import { isControlledBy, isUpToDate, type LivePolicy, type PolicyWriter } from '../kube/policy-store.js';
import type { StatusApplier } from '../kube/status-writer.js';
import type { FlowEvidence } from './audit-evidence.js';
import { DNS_RESOLVED, INTENT_HONORED, READY, Reason } from './conditions.js';
import type { ReconcileContext, Reconciled } from './controller.js';
import type { DnsReport } from './fqdn-tracker.js';
import { describeOwner } from './owner.js';
import { isNoop, type PolicyPlan, planPolicies } from './policy-plan.js';
import { desiredStatus, ownedStatusFields, type ReconcileOutcome } from './profile-status.js';
import type { WriteMemo } from './write-memo.js';

export interface ProfileObject extends KubeObject {
  spec?: unknown;
  status?: ProfileStatus;
}

/** What the reconciler needs for fqdn and service endpoints: inputs to render with, the DNS state to report. */
export interface ProfileEndpoints {
  /** Records the names `key` goes to (resolving new ones) and returns what to render with. */
  prepare(key: string, profile: ProfileObject): Promise<EndpointInputs>;
  forget(key: string): void;
  /** The DNS state of the names `key` was last prepared with (none: undefined). */
  report(key: string): DnsReport | undefined;
}

/** What the reconciler reads: informer caches in production, plain maps in unit tests. */
export interface ReadCache<T> {
  get(key: string): T | undefined;
}

export interface ProfileReconcilerDeps {
  policies: PolicyWriter;
  status: StatusApplier;
  profileCache: ReadCache<ProfileObject>;
  /** Cached policies with our labels; `ownedBy(uid)` is an index lookup, not a scan. */
  policyCache: ReadCache<LivePolicy> & { ownedBy(uid: string): LivePolicy[] };
  namespaceCache: ReadCache<KubeObject>;
  events: {
    record(regarding: Regarding, type: EventType, reason: string, action: string, note: string): void;
  };
  /** Policy writes not yet seen by the cache, keyed "namespace/name". */
  policyWrites: WriteMemo;
  /** Status writes not yet seen by the cache, keyed "namespace/profile". */
  statusWrites: WriteMemo;
  settings: CompilerSettings;
  now: () => string;
  /** How soon to look again at a name held by a policy that is not ours. */
  conflictRetryMs: number;
  /**
   * Audit with evidence: the live flows that enforcing would deny or newly allow, for `namespace`
   * with the policies named `owned` replaced by `rendered`. Absent: Audit reports policies only.
   */
  auditEvidence?: (
    namespace: string,
    owned: ReadonlySet<string>,
    rendered: readonly NetworkPolicy[],
  ) => Promise<FlowEvidence>;
  /** How often an Audit profile's live flows are evaluated again (default AUDIT_REFRESH_MS). */
  auditRefreshMs?: number;
  /** Services and resolved DNS names for service and fqdn endpoints (absent: none are known). */
  endpoints?: ProfileEndpoints;
  /** Told of each render that passed validation, so that no other controller validates it again. */
  promises?: { rendered(profile: ProfileObject, mode: RenderResult['mode']): void };
  /**
   * The IntentHonored condition of an Enforce profile whose own policies are `own` (intent-widening.ts),
   * written with Ready in one status write. Absent: the condition is not reported.
   */
  intent?: (profile: ProfileObject, own: readonly NetworkPolicy[]) => Omit<Condition, 'lastTransitionTime'>;
}

/** Pods come and go under an Audit profile: its evidence is evaluated again this often. */
export const AUDIT_REFRESH_MS = 5 * 60_000;

/** A write the API server refused because our cached copy was stale: retry quietly. */
const STALE = 'stale';
/** 'unchanged': found already as wanted (our own write the cache had not shown yet). */
type WriteResult = 'ok' | 'unchanged' | 'stale' | { conflict: string } | Error;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const names = (policies: ReadonlyArray<{ metadata: { name: string } }>) =>
  policies.map((p) => p.metadata.name).join(', ');

export class ProfileReconciler {
  /** A rendered policy's canonical JSON, computed once per render (the plan and the write memo both need it). */
  private readonly canonical = new WeakMap<NetworkPolicy, string>();
  /** Profiles whose status write hid another writer's change (see WriteMemo): looked at again. */
  private readonly missed = new Set<string>();

  constructor(private readonly deps: ProfileReconcilerDeps) {}

  private json(desired: NetworkPolicy): string {
    let text = this.canonical.get(desired);
    if (text === undefined) {
      text = canonicalJson(desired);
      this.canonical.set(desired, text);
    }
    return text;
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<Reconciled> {
    let reconciled: Reconciled;
    try {
      reconciled = await this.reconcileOnce(key, ctx);
    } catch (error) {
      this.missed.delete(key);
      throw error;
    }
    if (!this.missed.delete(key) || reconciled.outcome || reconciled.error) return reconciled;
    return { ...reconciled, outcome: { retry: true } };
  }

  private async reconcileOnce(key: string, ctx: ReconcileContext): Promise<Reconciled> {
    const profile = this.deps.profileCache.get(key);
    if (!profile || profile.metadata.deletionTimestamp) {
      this.deps.statusWrites.forget(key);
      this.deps.endpoints?.forget(key);
      return { reason: null }; // children go by garbage collection
    }
    const { namespace } = splitKey(key);
    // Everything in a namespace being deleted goes with it, and the API server refuses new content
    // there: re-creating a policy the namespace controller just removed would only fail.
    if (this.deps.namespaceCache.get(namespace)?.metadata.deletionTimestamp) return {};

    const inputs = await this.deps.endpoints?.prepare(key, profile);
    const rendered = renderProfile(profile, {
      settings: this.deps.settings,
      defaultNamespace: namespace,
      ...(inputs ? { inputs } : {}),
    });
    // Kubernetes forbids an owner in another namespace: an ownerReference naming this profile on a
    // policy elsewhere is invalid (hostile or stale), never ours to update or prune.
    const owned = profile.metadata.uid
      ? this.deps.policyCache.ownedBy(profile.metadata.uid).filter((p) => p.metadata.namespace === namespace)
      : [];
    if (rendered.diagnostics.length > 0)
      return this.invalid(profile, rendered.diagnostics.map(formatDiagnostic), owned, rendered.mode, ctx);
    this.deps.promises?.rendered(profile, rendered.mode);

    const plan = planPolicies({
      ownerUid: profile.metadata.uid,
      desired: rendered.policies,
      owned,
      live: (name) => this.deps.policyCache.get(`${namespace}/${name}`),
      pending: (desired, live) =>
        this.deps.policyWrites.isPending(
          keyOf(desired.metadata),
          live?.metadata.resourceVersion,
          this.json(desired),
        ),
    });
    if (rendered.mode === 'Audit') return this.audit(profile, plan, owned, ctx);
    return this.enforce(profile, plan, ctx);
  }

  /** Bad input never loosens or drops protection: the last good policies stay as they are. */
  private async invalid(
    profile: ProfileObject,
    problems: string[],
    owned: LivePolicy[],
    mode: ReconcileOutcome['mode'],
    ctx: ReconcileContext,
  ): Promise<Reconciled> {
    const message = `invalid spec, the last good NetworkPolicies stay enforced: ${problems.join('; ')}`;
    const changed = await this.writeStatus(profile, {
      reason: Reason.InvalidSpec,
      message,
      policies: owned.map((p) => p.metadata.name),
      mode,
    });
    if (changed) {
      ctx.log.info({ problems }, 'invalid spec; enforced policies kept');
      this.event(profile, 'Warning', EventReason.InvalidSpec, EventAction.Validate, message);
    }
    return { reason: Reason.InvalidSpec };
  }

  /** Audit never changes enforcement: it writes no policy, only says what Enforce would do. */
  private async audit(
    profile: ProfileObject,
    plan: PolicyPlan,
    owned: LivePolicy[],
    ctx: ReconcileContext,
  ): Promise<Reconciled> {
    const list = (items: ReadonlyArray<{ metadata: { name: string } }>) =>
      items.length > 0 ? items.map((p) => p.metadata.name).sort() : undefined;
    const audit = {
      ...(list(plan.create) ? { create: list(plan.create) } : {}),
      ...(list(plan.update.map((u) => u.desired)) ? { update: list(plan.update.map((u) => u.desired)) } : {}),
      ...(list(plan.prune) ? { delete: list(plan.prune) } : {}),
      ...(list(plan.conflicts.map((c) => c.desired))
        ? { conflicts: list(plan.conflicts.map((c) => c.desired)) }
        : {}),
    };
    const summary = isNoop(plan)
      ? 'enforcing would change nothing'
      : `enforcing would create ${plan.create.length}, update ${plan.update.length} and delete ${plan.prune.length} NetworkPolicies` +
        (plan.conflicts.length > 0 ? `; ${plural(plan.conflicts.length, 'name')} held by another owner` : '');
    const wanted = [...plan.create, ...plan.update.map((u) => u.desired), ...plan.unchanged];
    const evidence = await this.evidence(profile, owned, wanted, ctx);
    const { limit, stats: _stats, ...counts } = evidence ?? {};
    const flows =
      evidence === undefined
        ? ''
        : `; live flows it would deny: ${evidence.newlyDenied}, newly allow: ${evidence.newlyAllowed}` +
          (evidence.examples?.length ? ` (${evidence.examples.join('; ')})` : '') +
          (limit ? ` (partial: ${limit})` : '');
    const message = `Audit: ${summary}${flows}; enforced NetworkPolicies are left as they are (${owned.length} owned)`;
    const changed = await this.writeStatus(profile, {
      reason: Reason.Audit,
      message,
      policies: wanted.map((p) => p.metadata.name),
      mode: 'Audit',
      audit: { ...audit, ...(evidence ? counts : {}) },
    });
    if (changed) {
      ctx.log.info({ audit, evidence }, `audit: ${summary}`);
      this.event(profile, 'Normal', EventReason.Audit, EventAction.Audit, message);
    }
    // Live flows change with pods, not with the profile: look again now and then.
    const outcome = this.deps.auditEvidence
      ? { requeueAfterMs: this.deps.auditRefreshMs ?? AUDIT_REFRESH_MS }
      : undefined;
    return { outcome, reason: Reason.Audit };
  }

  /** The live flows enforcing would change; undefined when not available (never fails the reconcile). */
  private async evidence(
    profile: ProfileObject,
    owned: LivePolicy[],
    rendered: NetworkPolicy[],
    ctx: ReconcileContext,
  ): Promise<FlowEvidence | undefined> {
    if (!this.deps.auditEvidence) return undefined;
    try {
      const names = new Set(owned.map((p) => p.metadata.name));
      return await this.deps.auditEvidence(profile.metadata.namespace as string, names, rendered);
    } catch (error) {
      ctx.log.warn({ err: error }, 'audit: could not evaluate live flows');
      return undefined;
    }
  }

  private async enforce(
    profile: ProfileObject,
    plan: PolicyPlan,
    ctx: ReconcileContext,
  ): Promise<Reconciled> {
    const attempted = [...plan.create, ...plan.update.map((u) => u.desired)];
    // A profile's writes go out together: they are independent objects.
    const writes = await Promise.all([
      ...plan.create.map((desired) => this.create(profile, desired)),
      ...plan.update.map(({ live, desired }) => this.replace(live, desired)),
    ]);
    // Fenced: this replica may have lost its lease; in-flight work stops here (no Event, no status).
    const fenced = writes.find((w) => w instanceof FencedError);
    if (fenced) throw fenced;
    const applied = attempted.filter((_, i) => writes[i] === 'ok');
    if (writes.includes(STALE)) {
      this.reportChanges(profile, applied, [], ctx);
      return { outcome: { retry: true } }; // our cache was behind: look again, quietly
    }
    const failures = writes.filter((w): w is Error => w instanceof Error);
    const conflicts = [
      ...plan.conflicts.map((c) => `${c.desired.metadata.name} (${describeOwner(c.live)})`),
      ...writes.flatMap((w) => (isHeldByAnother(w) ? [w.conflict] : [])),
    ];
    // Prune only once every wanted policy is in place: policies are additive, so the old ones
    // (e.g. v1 names) keep protecting until their successors exist.
    const pruned = failures.length === 0 && conflicts.length === 0 ? await this.prune(plan.prune) : [];
    this.reportChanges(profile, applied, pruned, ctx);

    const wanted = [...plan.unchanged, ...attempted];
    if (failures.length > 0) return this.applyFailed(profile, failures, wanted, ctx);
    if (conflicts.length > 0) {
      // Held by another owner: seen in the cache (plan) or found by a create (AlreadyExists).
      const held = new Set([
        ...plan.conflicts.map((c) => c.desired.metadata.name),
        ...attempted.filter((_, i) => isHeldByAnother(writes[i])).map((p) => p.metadata.name),
      ]);
      const kept = wanted.filter((p) => !held.has(p.metadata.name));
      return this.conflicted(profile, conflicts, kept, ctx);
    }
    await this.writeStatus(
      profile,
      {
        reason: Reason.Reconciled,
        message: `${plural(wanted.length, 'NetworkPolicy', 'NetworkPolicies')} enforced`,
        policies: wanted.map((p) => p.metadata.name),
        mode: 'Enforce',
      },
      wanted,
    );
    return { reason: Reason.Reconciled };
  }

  /** A write failed: said in status and an Event, then retried with backoff. */
  private async applyFailed(
    profile: ProfileObject,
    failures: Error[],
    wanted: NetworkPolicy[],
    ctx: ReconcileContext,
  ): Promise<Reconciled> {
    const message = `apply failed: ${failures.map((f) => f.message).join('; ')}`;
    ctx.log.error({ err: failures[0] }, 'applying NetworkPolicies failed; retrying with backoff');
    this.event(profile, 'Warning', EventReason.ApplyFailed, EventAction.Apply, message);
    await this.writeStatus(
      profile,
      { reason: Reason.ApplyFailed, message, policies: wanted.map((p) => p.metadata.name), mode: 'Enforce' },
      wanted,
    );
    return { reason: Reason.ApplyFailed, error: failures[0] }; // retried with backoff
  }

  /** Names held by another owner are never taken over; `kept` are the policies that are ours. */
  private async conflicted(
    profile: ProfileObject,
    conflicts: string[],
    kept: NetworkPolicy[],
    ctx: ReconcileContext,
  ): Promise<Reconciled> {
    const message = `NetworkPolicy ${conflicts.join(', ')} exists and is not owned by this profile; not taken over`;
    const changed = await this.writeStatus(
      profile,
      { reason: Reason.Conflict, message, policies: kept.map((p) => p.metadata.name), mode: 'Enforce' },
      kept,
    );
    if (changed) {
      ctx.log.warn({ conflicts }, 'policy name held by another owner; not taken over');
      this.event(profile, 'Warning', EventReason.Conflict, EventAction.Apply, message);
    }
    return { outcome: { requeueAfterMs: this.deps.conflictRetryMs }, reason: Reason.Conflict };
  }

  /**
   * One log line and one Event per reconcile that changed enforcement, each naming every policy it
   * wrote or deleted (a line per policy doubled a cold start's logging for no more information).
   */
  private reportChanges(
    profile: ProfileObject,
    applied: NetworkPolicy[],
    pruned: LivePolicy[],
    ctx: ReconcileContext,
  ): void {
    if (applied.length + pruned.length === 0) return;
    // The spec was already enforced at this generation: someone else changed our policies.
    const repair = isEnforcedAtGeneration(profile);
    ctx.log.info(
      {
        ...(applied.length > 0
          ? { [repair ? 'repaired' : 'applied']: applied.map((p) => p.metadata.name) }
          : {}),
        ...(pruned.length > 0 ? { deleted: pruned.map((p) => p.metadata.name) } : {}),
      },
      repair ? 'repaired NetworkPolicies' : 'NetworkPolicies in line with the spec',
    );
    const parts = [
      ...(applied.length > 0 ? [`${repair ? 'restored' : 'applied'} ${names(applied)}`] : []),
      ...(pruned.length > 0 ? [`deleted ${names(pruned)}`] : []),
    ];
    this.event(
      profile,
      'Normal',
      repair ? EventReason.Repaired : EventReason.Applied,
      repair ? EventAction.Repair : EventAction.Apply,
      `NetworkPolicies ${parts.join('; ')}`,
    );
  }

  private async create(profile: ProfileObject, desired: NetworkPolicy): Promise<WriteResult> {
    const key = keyOf(desired.metadata);
    const memo = this.deps.policyWrites;
    memo.begin(key);
    try {
      const written = await this.deps.policies.create(desired);
      const missed = memo.remember(key, undefined, this.json(desired), written?.metadata?.resourceVersion);
      return missed ? STALE : 'ok';
    } catch (error) {
      memo.cancel(key);
      if (isAlreadyExists(error)) return this.createdMeanwhileOrForeign(profile, desired);
      return asError(error);
    }
  }

  /** Create said AlreadyExists: our own write the cache has not seen yet, or a foreign object. */
  private async createdMeanwhileOrForeign(
    profile: ProfileObject,
    desired: NetworkPolicy,
  ): Promise<WriteResult> {
    try {
      const live = await this.deps.policies.get(desired.metadata.namespace, desired.metadata.name);
      if (!isControlledBy(live, profile.metadata.uid))
        return { conflict: `${desired.metadata.name} (${describeOwner(live)})` };
      return isUpToDate(live, desired) ? 'unchanged' : this.replace(live, desired);
    } catch (error) {
      return isNotFound(error) ? STALE : asError(error);
    }
  }

  private async replace(live: LivePolicy, desired: NetworkPolicy): Promise<WriteResult> {
    const key = keyOf(desired.metadata);
    const memo = this.deps.policyWrites;
    memo.begin(key);
    try {
      const written = await this.deps.policies.replace(live, desired);
      const missed = memo.remember(
        key,
        live.metadata.resourceVersion,
        this.json(desired),
        written?.metadata?.resourceVersion,
      );
      return missed ? STALE : 'ok';
    } catch (error) {
      memo.cancel(key);
      // 409: the object changed since our cache saw it (or went away); the next look decides again.
      if (isConflict(error) || isNotFound(error)) return STALE;
      return asError(error);
    }
  }

  private async prune(stale: LivePolicy[]): Promise<LivePolicy[]> {
    await Promise.all(
      stale.map(async (p) => {
        try {
          await this.deps.policies.delete(p.metadata.namespace as string, p.metadata.name, p.metadata.uid);
        } catch (error) {
          if (!isNotFound(error) && !isConflict(error)) throw error; // gone, or a new namesake: not ours to delete
        }
      }),
    );
    return stale;
  }

  /**
   * Applies the status when it differs from what the cache shows; true when it was written.
   * `enforced`: an Enforce profile's own policies as they stand, judged for IntentHonored.
   */
  private async writeStatus(
    profile: ProfileObject,
    outcome: Omit<ReconcileOutcome, 'generation'>,
    enforced?: readonly NetworkPolicy[],
  ): Promise<boolean> {
    const key = keyOf(profile.metadata);
    const dns = this.deps.endpoints?.report(key);
    const intent = enforced && this.deps.intent ? this.deps.intent(profile, enforced) : undefined;
    const status = desiredStatus(
      profile.status,
      {
        ...outcome,
        generation: profile.metadata.generation,
        ...(dns ? { dns } : {}),
        ...(intent ? { intent } : {}),
      },
      this.deps.now,
    );
    if (isDeepStrictEqual(ownedStatusFields(profile.status), status)) return false;
    this.dnsEvent(profile, status);
    // The decision, not the clock: a flip stamps lastTransitionTime, which must not make a second
    // look before the cache caught up count as a different status.
    const content = canonicalJson({
      ...status,
      conditions: status.conditions?.map(({ lastTransitionTime: _t, ...c }) => c),
    });
    if (this.deps.statusWrites.isPending(key, profile.metadata.resourceVersion, content)) return false;
    const { namespace, name } = splitKey(key);
    const memo = this.deps.statusWrites;
    memo.begin(key);
    try {
      const version = await this.deps.status.applyStatus(namespace, name, status);
      // Someone else changed the profile while our write was on the wire: look again.
      if (memo.remember(key, profile.metadata.resourceVersion, content, version)) this.missed.add(key);
      // Written by the intent field manager of earlier versions: only that manager can drop it.
      if (!intent && hasCondition(profile.status, INTENT_HONORED))
        await this.deps.status.releaseIntent?.(namespace, name);
      return true;
    } catch (error) {
      if (memo.cancel(key)) this.missed.add(key);
      if (isNotFound(error)) return false; // deleted meanwhile: nothing to report on
      throw error;
    }
  }

  /** A Warning when a DNS name stops resolving (or why changes); the last good addresses stay. */
  private dnsEvent(profile: ProfileObject, status: ProfileStatus): void {
    const now = status.conditions?.find((c) => c.type === DNS_RESOLVED);
    if (now?.status !== 'False' || now.reason === 'Pending') return;
    const before = profile.status?.conditions?.find((c) => c.type === DNS_RESOLVED);
    if (before?.status === now.status && before.message === now.message) return;
    this.event(profile, 'Warning', EventReason.DNSResolutionFailed, EventAction.Resolve, now.message);
  }

  private event(
    profile: ProfileObject,
    type: EventType,
    reason: EventReason,
    action: EventAction,
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

/** The status says this generation's spec is already enforced. */
function isEnforcedAtGeneration(profile: ProfileObject): boolean {
  const status = profile.status;
  const ready = status?.conditions?.find((c) => c.type === READY);
  return (
    status?.observedGeneration !== undefined &&
    status.observedGeneration === profile.metadata.generation &&
    ready?.reason === Reason.Reconciled
  );
}

const hasCondition = (status: ProfileStatus | undefined, type: string) =>
  status?.conditions?.some((c) => c.type === type) ?? false;

const isHeldByAnother = (w: WriteResult | undefined): w is { conflict: string } =>
  typeof w === 'object' && 'conflict' in w;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
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
