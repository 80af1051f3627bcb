// Keeps `apptrust-default-deny` in every namespace in scope (baseline-scope.ts): created, re-created
// when deleted, restored when edited, then the namespace is marked protected (the admission gate
// admits its pods from then on). Removed when the namespace opts out; with --baseline=false every
// baseline of ours, every marker and the record go (rollback). It only ever touches a policy it
// created: our managed-by and baseline kind labels and no controller (a profile's policy has one).
import { BaselineEventReason, EventAction } from '../api/v1alpha1/index.js';
import {
  BASELINE_OPT_OUT_VALUE,
  BASELINE_POLICY_KIND,
  BASELINE_POLICY_NAME,
  baselinePolicyFor,
  type CompilerSettings,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  POLICY_KIND_LABEL,
} from '../compiler/index.js';
import type { BaselineRecord, BaselineRecordSpec } from '../kube/baseline-record.js';
import type { ObjectCache } from '../kube/cache.js';
import { isNotFound, KubeApiError } from '../kube/errors.js';
import type { EventRecorder, EventType } from '../kube/events.js';
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
  store: Pick<PolicyWriter, 'create' | 'replace' | 'delete'>;
  namespaces: Pick<ObjectCache<KubeObject>, 'get' | 'list'>;
  policies: Pick<ObjectCache<LivePolicy>, 'get'>;
  record: Pick<BaselineRecord, 'ensure' | 'remove'>;
  labels: Pick<NamespaceLabels, 'set'>;
  events: Pick<EventRecorder, 'record'>;
  compiler: CompilerSettings;
  baseline: BaselineSettings;
  /** A foreign policy holding the name is not in our cache (no event when it goes): look again. */
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
  private recordRemoved: Promise<void> | undefined;

  constructor(private readonly deps: BaselineReconcilerDeps) {}

  async reconcile(namespaceName: string, ctx: ReconcileContext): Promise<Reconciled> {
    const ns = this.deps.namespaces.get(namespaceName);
    if (!ns || ns.metadata.deletionTimestamp) return {};
    const live = this.deps.policies.get(`${namespaceName}/${BASELINE_POLICY_NAME}`);
    const ours = live && isOurBaseline(live) ? live : undefined;
    if (!this.deps.baseline.enabled) return this.rollBack(ns, ours);

    const decision = await this.scopeOf(ns, ours !== undefined);
    if (decision.unknownValue !== undefined) this.warnUnknownValue(ns, decision.unknownValue);
    if (!decision.inScope) {
      // An existing namespace that never opted in is not ours to touch; the others opted out.
      if (decision.reason !== 'existing') await this.remove(ns, ours, `namespace is ${decision.reason}`);
      return {};
    }
    if (live && !ours) return this.blocked(ns, 'is not one the operator created', ctx);
    if (!(await this.ensurePolicy(ns, ours, ctx)))
      return { outcome: { requeueAfterMs: this.deps.blockedRetryMs } };
    if (!isMarkedProtected(ns)) await this.deps.labels.set(namespaceName, PROTECTED_LABEL, PROTECTED_VALUE);
    return {};
  }

  /** In scope and not yet marked (pods wait at the admission gate) vs marked, for the metrics. */
  async protectionCounts(): Promise<{ protected: number; unprotected: number }> {
    const counts = { protected: 0, unprotected: 0 };
    if (!this.deps.baseline.enabled || !this.enabledSince) return counts;
    for (const ns of this.deps.namespaces.list()) {
      if (ns.metadata.deletionTimestamp) continue;
      const ours = this.deps.policies.get(`${ns.metadata.name}/${BASELINE_POLICY_NAME}`);
      const decision = await this.scopeOf(ns, ours !== undefined && isOurBaseline(ours));
      if (decision.inScope) counts[isMarkedProtected(ns) ? 'protected' : 'unprotected']++;
    }
    return counts;
  }

  private async scopeOf(ns: KubeObject, hasOurBaseline: boolean): Promise<ScopeDecision> {
    return baselineScope(
      { namespace: ns, enabledSince: await this.recordOnce(), hasOurBaseline },
      this.deps.baseline,
    );
  }

  /** Creates or restores our baseline; false when a foreign policy holds the name. */
  private async ensurePolicy(
    ns: KubeObject,
    ours: LivePolicy | undefined,
    ctx: ReconcileContext,
  ): Promise<boolean> {
    const name = ns.metadata.name;
    const desired = baselinePolicyFor(name, {
      allowDNS: this.deps.baseline.allowDNS,
      settings: this.deps.compiler,
    });
    if (ours && isUpToDate(ours, desired)) return true;
    if (ours) {
      await this.deps.store.replace(ours, desired);
      this.event(
        ns,
        'Normal',
        BaselineEventReason.BaselineRestored,
        EventAction.Restore,
        `${BASELINE_POLICY_NAME} put back as it was`,
      );
      return true;
    }
    try {
      await this.deps.store.create(desired);
    } catch (error) {
      // Not in our cache, so without our labels: someone else's policy of that name.
      if (error instanceof KubeApiError && error.reason === 'AlreadyExists') {
        this.blocked(ns, 'exists and is not one the operator created', ctx);
        return false;
      }
      throw error;
    }
    const [reason, note] = isMarkedProtected(ns)
      ? [BaselineEventReason.BaselineRestored, `${BASELINE_POLICY_NAME} re-created after it was deleted`]
      : [
          BaselineEventReason.BaselineCreated,
          `deny-all ${BASELINE_POLICY_NAME} created; opt out: label ${OPT_OUT}`,
        ];
    this.event(ns, 'Normal', reason, EventAction.Create, note);
    return true;
  }

  /** A policy of the baseline's name that is not ours: never taken over; the namespace stays unmarked. */
  private blocked(ns: KubeObject, why: string, ctx: ReconcileContext): Reconciled {
    ctx.log.warn({ namespace: ns.metadata.name }, `${BASELINE_POLICY_NAME} ${why}; left alone`);
    this.event(
      ns,
      'Warning',
      BaselineEventReason.BaselineBlocked,
      EventAction.Create,
      `NetworkPolicy ${BASELINE_POLICY_NAME} ${why}: it is left alone and the namespace is not marked protected, so the admission gate refuses new pods; delete or rename that policy, or opt out with ${OPT_OUT}`,
    );
    return { outcome: { requeueAfterMs: this.deps.blockedRetryMs } };
  }

  /** Opt-out, exclusion: our baseline and our marker go; anything else stays. */
  private async remove(ns: KubeObject, ours: LivePolicy | undefined, why: string): Promise<void> {
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
    if (isMarkedProtected(ns)) await this.deps.labels.set(ns.metadata.name, PROTECTED_LABEL, null);
  }

  /**
   * --baseline=false. The record goes first: without it the admission gate admits every pod, so
   * removing markers afterwards can never leave a namespace whose pods are refused.
   */
  private async rollBack(ns: KubeObject, ours: LivePolicy | undefined): Promise<Reconciled> {
    if (!this.recordRemoved) this.recordRemoved = this.deps.record.remove();
    await this.recordRemoved.catch((error: unknown) => {
      this.recordRemoved = undefined;
      throw error;
    });
    await this.remove(ns, ours, 'the operator runs with --baseline=false');
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
    const name = ns.metadata.name;
    this.deps.events.record(
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        namespace: name,
        name,
        ...(ns.metadata.uid ? { uid: ns.metadata.uid } : {}),
      },
      type,
      reason,
      action,
      note,
    );
  }
}
