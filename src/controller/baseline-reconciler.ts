// Keeps `apptrust-default-deny` in every namespace in scope (baseline-scope.ts): created, re-created
// when deleted, restored when edited, then the namespace is marked protected (the admission gate
// admits its pods from then on). In a namespace in scope the policy of that NAME is the baseline,
// whatever labels or owners it carries (a tenant can strip a label; a profile can never render that
// name): it is put back as rendered. When it cannot be, the marker goes first, so the gate refuses
// pods again. Removed when the namespace opts out; with --baseline=false every baseline of ours,
// every marker and the record go (rollback): removal touches only a policy the operator created
// (our managed-by and baseline kind labels, no controller).
import type { Logger } from 'pino';
import { BaselineEventReason, EventAction } from '../api/v1alpha1/index.js';
import {
  BASELINE_OPT_OUT_VALUE,
  BASELINE_POLICY_KIND,
  BASELINE_POLICY_NAME,
  baselinePolicyFor,
  type CompilerSettings,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type NetworkPolicy,
  POLICY_KIND_LABEL,
} from '../compiler/index.js';
import type { BaselineRecord, BaselineRecordSpec } from '../kube/baseline-record.js';
import type { ObjectCache } from '../kube/cache.js';
import { isAlreadyExists, isNotFound, KubeApiError } from '../kube/errors.js';
import { type EventRecorder, type EventType, namespaceRegarding } from '../kube/events.js';
import type { NamespaceLabels } from '../kube/namespace-labels.js';
import type { KubeObject } from '../kube/objects.js';
import { isUpToDate, type LivePolicy, type PolicyWriter } from '../kube/policy-store.js';
import {
  ACCEPTED_BASELINE_VALUES,
  BASELINE_LABEL,
  type BaselineScopeSettings,
  baselineScope,
  isMarkedProtected,
  PROTECTED_LABEL,
  PROTECTED_VALUE,
  type ScopeDecision,
} from './baseline-scope.js';
import type { ReconcileContext, Reconciled } from './controller.js';

/** The label that opts a namespace out, as users type it. */
const OPT_OUT = `${BASELINE_LABEL}=${BASELINE_OPT_OUT_VALUE}`;

export interface BaselineSettings extends BaselineScopeSettings {
  /** --baseline: false rolls back everything the baseline reconciler ever created. */
  enabled: boolean;
  allowDNS: boolean;
}

/** What the reconciler calls, and nothing more: the real clients in production, FakeCluster in unit tests. */
export interface BaselineReconcilerDeps {
  store: Pick<PolicyWriter, 'create' | 'replace' | 'delete' | 'get'>;
  namespaces: Pick<ObjectCache<KubeObject>, 'get' | 'list'>;
  policies: Pick<ObjectCache<LivePolicy>, 'get'>;
  record: Pick<BaselineRecord, 'ensure' | 'remove'>;
  labels: Pick<NamespaceLabels, 'set' | 'mayPatch'>;
  events: Pick<EventRecorder, 'record'>;
  compiler: CompilerSettings;
  baseline: BaselineSettings;
  /** Retry after a baseline could not be put in place (the queue's backoff comes on top of errors). */
  blockedRetryMs: number;
}

/** A baseline this operator created: a label alone could be copied onto anything. */
export function isOurBaseline(policy: KubeObject): boolean {
  const labels = policy.metadata.labels ?? {};
  return (
    policy.metadata.name === BASELINE_POLICY_NAME &&
    labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
    labels[POLICY_KIND_LABEL] === BASELINE_POLICY_KIND &&
    !(policy.metadata.ownerReferences ?? []).some((owner) => owner.controller === true)
  );
}

/** The namespace's baseline is in force exactly as rendered (labels, annotations, spec; no owner). */
export function isBaselineInForce(live: LivePolicy | undefined, desired: NetworkPolicy): boolean {
  return (
    live !== undefined &&
    !live.metadata.deletionTimestamp &&
    (live.metadata.ownerReferences ?? []).length === 0 &&
    isUpToDate(live, desired)
  );
}

/** The scope settings as the admission gate reads them from the record (sorted: a stable write). */
export function recordSpec(settings: BaselineScopeSettings): BaselineRecordSpec {
  return {
    excluded: [...settings.excluded].sort(),
    existing: settings.existing,
    watched: [...settings.watched].sort(),
  };
}

export class BaselineReconciler {
  private enabledSince: Promise<string> | undefined;
  /** May this identity write the marker (granted only with the marker guard)? Asked once. */
  private marking: Promise<boolean> | undefined;
  private markerAllowed: boolean | undefined;
  private recordRemoved: Promise<void> | undefined;
  private readonly inForceMemo = new WeakMap<LivePolicy, boolean>();

  constructor(private readonly deps: BaselineReconcilerDeps) {}

  async reconcile(namespaceName: string, ctx: ReconcileContext): Promise<Reconciled> {
    const ns = this.deps.namespaces.get(namespaceName);
    if (!ns || ns.metadata.deletionTimestamp) return {};
    const live = this.deps.policies.get(`${namespaceName}/${BASELINE_POLICY_NAME}`);
    const ours = live && isOurBaseline(live) ? live : undefined;
    if (!this.deps.baseline.enabled) return this.rollBack(ns, ours, ctx.log);

    const decision = await this.scopeOf(ns, ours !== undefined);
    if (decision.unknownValue !== undefined) this.warnUnknownValue(ns, decision.unknownValue);
    if (!decision.inScope) {
      // An existing namespace that never opted in is not ours to touch; the others opted out.
      if (decision.reason !== 'existing')
        await this.remove(ns, ours, `namespace is ${decision.reason}`, ctx.log);
      return {};
    }
    try {
      await this.ensurePolicy(ns, live);
    } catch (error) {
      return this.blocked(ns, error, ctx.log);
    }
    if (!isMarkedProtected(ns) && (await this.mayMark(ctx.log)))
      await this.deps.labels.set(namespaceName, PROTECTED_LABEL, PROTECTED_VALUE);
    return {};
  }

  private mayMark(log: Logger): Promise<boolean> {
    if (!this.marking) {
      this.marking = this.deps.labels.mayPatch().then((allowed) => {
        this.markerAllowed = allowed;
        if (!allowed)
          log.info(
            'no permission to patch namespaces (the admission gate and its marker guard are not installed): namespaces are not marked protected',
          );
        return allowed;
      });
      this.marking.catch(() => {
        this.marking = undefined; // asked again by the next reconcile
      });
    }
    return this.marking;
  }

  /**
   * In scope: protected only when marked AND the cached baseline is in force as rendered; anything
   * else (not marked yet, edited, deleted, not restorable) is unprotected. For the metrics.
   */
  async protectionCounts(): Promise<{ protected: number; unprotected: number }> {
    const counts = { protected: 0, unprotected: 0 };
    if (!this.deps.baseline.enabled || !this.enabledSince) return counts;
    // One pass over every namespace per scrape: no await and no render inside it (20,000 namespaces).
    const enabledSince = await this.enabledSince;
    for (const ns of this.deps.namespaces.list()) {
      if (ns.metadata.deletionTimestamp) continue;
      const live = this.deps.policies.get(`${ns.metadata.name}/${BASELINE_POLICY_NAME}`);
      const hasOurBaseline = live !== undefined && isOurBaseline(live);
      if (!baselineScope({ namespace: ns, enabledSince, hasOurBaseline }, this.deps.baseline).inScope)
        continue;
      // Without the gate (no marker permission) the policy alone protects the namespace.
      const marked = isMarkedProtected(ns) || this.markerAllowed === false;
      const inForce = marked && live !== undefined && this.inForce(live);
      counts[inForce ? 'protected' : 'unprotected']++;
    }
    return counts;
  }

  /** isBaselineInForce, once per cached object (the cache replaces an object when it changes). */
  private inForce(live: LivePolicy): boolean {
    let known = this.inForceMemo.get(live);
    if (known === undefined) {
      known = isBaselineInForce(live, this.desiredFor(live.metadata.namespace as string));
      this.inForceMemo.set(live, known);
    }
    return known;
  }

  private desiredFor(namespace: string): NetworkPolicy {
    return baselinePolicyFor(namespace, {
      allowDNS: this.deps.baseline.allowDNS,
      settings: this.deps.compiler,
    });
  }

  private async scopeOf(ns: KubeObject, hasOurBaseline: boolean): Promise<ScopeDecision> {
    return baselineScope(
      { namespace: ns, enabledSince: await this.recordOnce(), hasOurBaseline },
      this.deps.baseline,
    );
  }

  /** Creates the baseline, or puts the policy of its name back as rendered (labels, annotations, spec, no owners). */
  private async ensurePolicy(ns: KubeObject, live: LivePolicy | undefined): Promise<void> {
    const desired = this.desiredFor(ns.metadata.name);
    if (isBaselineInForce(live, desired)) return;
    if (live) {
      await this.deps.store.replace(live, desired);
      const how = isOurBaseline(live) ? 'edited' : "stripped of the operator's labels or given an owner";
      this.event(
        ns,
        'Normal',
        BaselineEventReason.BaselineRestored,
        EventAction.Restore,
        `${BASELINE_POLICY_NAME} was ${how}: put back as rendered`,
      );
      return;
    }
    if (!(await this.created(desired))) return;
    const [reason, note] = isMarkedProtected(ns)
      ? [BaselineEventReason.BaselineRestored, `${BASELINE_POLICY_NAME} re-created after it was deleted`]
      : [
          BaselineEventReason.BaselineCreated,
          `deny-all ${BASELINE_POLICY_NAME} created; opt out: label ${OPT_OUT}`,
        ];
    this.event(ns, 'Normal', reason, EventAction.Create, note);
  }

  /**
   * Creates the baseline; false when the API server already holds it in force. That is this
   * operator's own create of a moment ago: the namespace's echo (the marker) can arrive before the
   * policy's on another watch (seen at 20,000 namespaces), and treating it as blocked would unmark
   * the namespace and send a false Warning. Any other policy of that name: AlreadyExists, blocked.
   */
  private async created(desired: NetworkPolicy): Promise<boolean> {
    try {
      await this.deps.store.create(desired);
      return true;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const current = await this.deps.store.get(desired.metadata.namespace, desired.metadata.name);
      if (isOurBaseline(current) && isBaselineInForce(current, desired)) return false;
      throw error;
    }
  }

  /**
   * The baseline could not be put in place: the marker goes first (the admission gate then refuses
   * new pods of the namespace, and the metrics count it unprotected), then a retry.
   */
  private async blocked(ns: KubeObject, error: unknown, log: Logger): Promise<Reconciled> {
    const why = error instanceof KubeApiError ? `${error.reason}: ${error.message}` : String(error);
    log.warn({ namespace: ns.metadata.name, err: error }, `${BASELINE_POLICY_NAME} not in place`);
    if (isMarkedProtected(ns) && (await this.mayMark(log)))
      await this.deps.labels.set(ns.metadata.name, PROTECTED_LABEL, null);
    this.event(
      ns,
      'Warning',
      BaselineEventReason.BaselineBlocked,
      EventAction.Create,
      `NetworkPolicy ${BASELINE_POLICY_NAME} could not be put in place (${why}): the namespace is not marked protected, so the admission gate refuses new pods until it is; retrying`,
    );
    return { outcome: { requeueAfterMs: this.deps.blockedRetryMs } };
  }

  /** Opt-out, exclusion: our baseline and our marker go; anything else stays. */
  private async remove(
    ns: KubeObject,
    ours: LivePolicy | undefined,
    why: string,
    log: Logger,
  ): Promise<void> {
    if (ours) {
      try {
        await this.deps.store.delete(ns.metadata.name, ours.metadata.name, ours.metadata.uid);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      this.event(
        ns,
        'Normal',
        BaselineEventReason.BaselineRemoved,
        EventAction.Delete,
        `${BASELINE_POLICY_NAME} removed: ${why}`,
      );
    }
    if (isMarkedProtected(ns) && (await this.mayMark(log)))
      await this.deps.labels.set(ns.metadata.name, PROTECTED_LABEL, null);
  }

  /**
   * --baseline=false. The record goes first: without it the admission gate admits every pod, so
   * removing markers afterwards can never leave a namespace whose pods are refused.
   */
  private async rollBack(ns: KubeObject, ours: LivePolicy | undefined, log: Logger): Promise<Reconciled> {
    if (!this.recordRemoved) this.recordRemoved = this.deps.record.remove();
    await this.recordRemoved.catch((error: unknown) => {
      this.recordRemoved = undefined;
      throw error;
    });
    await this.remove(ns, ours, 'the operator runs with --baseline=false', log);
    return {};
  }

  private recordOnce(): Promise<string> {
    if (!this.enabledSince) {
      this.enabledSince = this.deps.record.ensure(recordSpec(this.deps.baseline));
      this.enabledSince.catch(() => {
        this.enabledSince = undefined; // retried by the next reconcile (the queue backs off)
      });
    }
    return this.enabledSince;
  }

  private warnUnknownValue(ns: KubeObject, value: string): void {
    this.event(
      ns,
      'Warning',
      BaselineEventReason.UnknownBaselineValue,
      EventAction.Validate,
      `label ${BASELINE_LABEL}="${value}" is not understood and is ignored; accepted values: ${ACCEPTED_BASELINE_VALUES.join(', ')}`,
    );
  }

  /** Events about a namespace go into that namespace (its owners look there). */
  private event(
    ns: KubeObject,
    type: EventType,
    reason: BaselineEventReason,
    action: EventAction,
    note: string,
  ): void {
    this.deps.events.record(namespaceRegarding(ns), type, reason, action, note);
  }
}
