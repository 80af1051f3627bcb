// Reports every widening of an intent, per namespace: when a policy, a pod, a namespace's labels or a
// profile's spec changes, the namespaces it touches are looked at again (not the cluster). For each
// Enforce profile whose IntentHonored condition no longer says what the namespace shows, it signals
// the profile controller (the one writer of a profile's status, which sets IntentHonored in the
// same write as Ready); it sends a Warning Event when the set of widening policies changes, and for
// a protected namespace a Namespace Event when its deny-all baseline is undercut.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { Gauge } from 'prom-client';
import { namespaceLabelsBy } from '../analysis/index.js';
import {
  API_VERSION,
  BASELINE_UNDERCUT_REASON,
  type Condition,
  EventAction,
  INTENT_HONORED_CONDITION,
  IntentReason,
  KIND,
  READY_CONDITION,
} from '../api/v1alpha1/index.js';
import type { NetworkPolicy } from '../compiler/index.js';
import type { ObjectCache } from '../kube/cache.js';
import { type EventType, namespaceRegarding, type Regarding } from '../kube/events.js';
import type { InformerEvent } from '../kube/informer.js';
import type { KubeObject } from '../kube/objects.js';
import type { SlimPod } from '../kube/pods.js';
import type { LivePolicy } from '../kube/policy-store.js';
import { namespaceKeys } from './baseline-controller.js';
import { isMarkedProtected } from './baseline-scope.js';
import { MANAGED_POLICIES, NAMESPACE_INDEX, NAMESPACES, PODS } from './caches.js';
import { type ControllerSetup, watch } from './controller.js';
import {
  emptyBaseline,
  expectedBaselineOf,
  intentCondition,
  knownPod,
  LivePods,
  namespaceIntents,
  type ProfileIntent,
  type ProfilePromise,
  undercutNote,
} from './intent-widening.js';
import type { KeySignal } from './key-signal.js';
import { INTENT_CHANGES, PROFILES } from './profile-controller.js';
import { ProfilePromises } from './profile-promises.js';
import type { ProfileObject } from './profile-reconciler.js';
import type { Outcome } from './queue.js';
import { registerWideningMetrics } from './widening-metrics.js';

export interface WideningControllerDeps {
  profiles: ObjectCache<ProfileObject>;
  policies: ObjectCache<LivePolicy>;
  pods: LivePods;
  namespaces: { get(name: string): KubeObject | undefined; list(): KubeObject[] };
  /** The profiles whose IntentHonored condition should change: the profile controller writes it. */
  intentChanges: Pick<KeySignal, 'emit'>;
  events: {
    record(regarding: Regarding, type: EventType, reason: string, action: string, note: string): void;
  };
  /** The baseline the operator writes into a namespace; undefined with --baseline=false. */
  expectedBaseline: ((namespace: string) => NetworkPolicy) | undefined;
  /** What each spec promises, validated once per generation (shared with the profile controller). */
  promises?: ProfilePromises;
  log: Logger;
}

const readyOf = (p: ProfileObject | undefined) =>
  p?.status?.conditions?.find((c) => c.type === READY_CONDITION);
const intentOf = (p: ProfileObject) => p.status?.conditions?.find((c) => c.type === INTENT_HONORED_CONDITION);
const namespaceOf = (key: string) => key.slice(0, key.indexOf('/'));
const withoutTime = (c: Omit<Condition, 'lastTransitionTime'> | Condition | undefined) => {
  if (!c) return undefined;
  const { lastTransitionTime: _t, ...rest } = c as Condition;
  return rest;
};

export class WideningController {
  /** Per namespace, per profile key: the widening policies last reported ("" = honoured). */
  private readonly reported = new Map<string, Map<string, string>>();
  /** The profile keys whose last report named widening policies (kept, not counted per scrape). */
  private readonly widened = new Set<string>();
  /** Per namespace whose baseline is undercut now: the policies, as last reported. */
  private readonly undercuts = new Map<string, string>();

  /** Set whenever the count changes: the baseline gauge's state="undercut" series. */
  onUndercutCount: ((count: number) => void) | undefined;

  private readonly namespaceLabels;
  private readonly promises: ProfilePromises;

  constructor(private readonly deps: WideningControllerDeps) {
    this.promises = deps.promises ?? new ProfilePromises();
    this.namespaceLabels = namespaceLabelsBy((name) => deps.namespaces.get(name)?.metadata);
  }

  /** Enforce profiles whose intent is widened now. */
  get widenedProfiles(): number {
    return this.widened.size;
  }

  /** Protected namespaces whose baseline a foreign policy undercuts now. */
  get undercutNamespaces(): number {
    return this.undercuts.size;
  }

  /** Namespaces whose report names peers elsewhere: a namespace's labels can change it. */
  private widenedNamespaces(): string[] {
    const out = new Set<string>(this.undercuts.keys());
    for (const key of this.widened) out.add(key.slice(0, key.indexOf('/')));
    return [...out];
  }

  private setReported(namespace: string, key: string, set: string | undefined): void {
    let byKey = this.reported.get(namespace);
    if (set === undefined) byKey?.delete(key);
    else {
      if (!byKey) {
        byKey = new Map();
        this.reported.set(namespace, byKey);
      }
      byKey.set(key, set);
    }
    if (set) this.widened.add(key);
    else this.widened.delete(key);
    if (byKey?.size === 0) this.reported.delete(namespace);
  }

  /** Which namespaces an informer event touches; the work queue dedupes. */
  eventKeys(inScope: (namespace: string | undefined) => string[]) {
    const podSeen = new Map<string, string>();
    const labelsSeen = new Map<string, string>();
    const profileSeen = new Map<string, string>();
    return {
      policy: (_e: InformerEvent, p: LivePolicy) => inScope(p.metadata.namespace),
      // Its own namespace only: another namespace's report names this pod's namespace, not the
      // pod, and picks up a namespace's first or last pod at the next resync.
      pod: (e: InformerEvent, pod: SlimPod) => {
        const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
        const seen = e === 'delete' ? undefined : JSON.stringify(knownPod(pod) ?? null);
        if (e !== 'delete' && podSeen.get(key) === seen) return [];
        if (seen === undefined) podSeen.delete(key);
        else podSeen.set(key, seen);
        return inScope(pod.metadata.namespace);
      },
      // A namespace's labels decide namespaceSelector peers: the namespaces already reported too.
      namespace: (e: InformerEvent, ns: KubeObject) => {
        const labels = e === 'delete' ? undefined : JSON.stringify(ns.metadata.labels ?? {});
        if (e !== 'delete' && labelsSeen.get(ns.metadata.name) === labels) return [];
        if (labels === undefined) labelsSeen.delete(ns.metadata.name);
        else labelsSeen.set(ns.metadata.name, labels);
        return [...new Set([ns.metadata.name, ...this.widenedNamespaces()])].flatMap(inScope);
      },
      // A new spec or Ready appearing (reported after it), or a profile gone.
      profile: (e: InformerEvent, p: ProfileObject) => {
        const key = `${p.metadata.namespace}/${p.metadata.name}`;
        const seen = e === 'delete' ? undefined : `${p.metadata.generation}/${readyOf(p) !== undefined}`;
        if (e !== 'delete' && profileSeen.get(key) === seen) return [];
        if (seen === undefined) profileSeen.delete(key);
        else profileSeen.set(key, seen);
        return inScope(p.metadata.namespace);
      },
    };
  }

  /** Every namespace worth a look: those with profiles, and protected ones (start-up, resync). */
  namespacesToResync(): string[] {
    const out = new Set<string>();
    for (const p of this.deps.profiles.list()) if (p.metadata.namespace) out.add(p.metadata.namespace);
    for (const ns of this.deps.namespaces.list()) if (isMarkedProtected(ns)) out.add(ns.metadata.name);
    return [...out];
  }

  async reconcile(namespace: string): Promise<Outcome> {
    const ns = this.deps.namespaces.get(namespace);
    const profiles = this.deps.profiles
      .byIndex(NAMESPACE_INDEX, namespace)
      .filter((p) => !p.metadata.deletionTimestamp);
    const isProtected = ns !== undefined && isMarkedProtected(ns) && this.deps.expectedBaseline !== undefined;
    this.forgetGone(namespace, profiles);
    if (!ns || ns.metadata.deletionTimestamp || (profiles.length === 0 && !isProtected)) {
      if (this.undercuts.delete(namespace)) this.onUndercutCount?.(this.undercutNamespaces);
      return undefined;
    }
    const intents = namespaceIntents({
      namespace,
      world: this.deps.pods.world(this.namespaceLabels),
      policies: this.deps.policies.byIndex(NAMESPACE_INDEX, namespace),
      // Judged once their own Ready is written (that write carries IntentHonored too).
      profiles: profiles.filter((p) => readyOf(p) !== undefined),
      expectedBaseline: (this.deps.expectedBaseline ?? emptyBaseline)(namespace),
      protected: isProtected,
      promise: (profile) => this.promised(profile),
    });
    const byKey = new Map(profiles.map((p) => [`${namespace}/${p.metadata.name}`, p]));
    const stale = intents.profiles.filter((i) => this.report(byKey.get(i.key) as ProfileObject, i));
    if (stale.length > 0) this.deps.intentChanges.emit(stale.map((i) => i.key));
    this.reportUndercut(ns, intents.undercut);
    return undefined;
  }

  /** A spec is validated once per uid and generation, not at every look at its namespace. */
  private promised(profile: ProfileObject): ProfilePromise | undefined {
    return this.promises.of(profile);
  }

  private forgetGone(namespace: string, profiles: readonly ProfileObject[]): void {
    const byKey = this.reported.get(namespace);
    if (!byKey) return;
    const present = new Set(profiles.map((p) => `${namespace}/${p.metadata.name}`));
    for (const key of [...byKey.keys()]) if (!present.has(key)) this.setReported(namespace, key, undefined);
  }

  /**
   * Events and the gauge for one profile with a Ready status (only those are judged); true when its
   * IntentHonored condition says something else than the namespace shows now (the profile
   * controller then looks again and rewrites it).
   */
  private report(profile: ProfileObject, intent: ProfileIntent): boolean {
    const current = withoutTime(intentOf(profile));
    if (!intent.widening) {
      // Audit or invalid: no promise to report on; the profile's next status write drops it.
      this.setReported(namespaceOf(intent.key), intent.key, undefined);
      return current !== undefined;
    }
    const desired = intentCondition(intent.widening);
    const set = intent.widening.policies.join(', ');
    const namespace = namespaceOf(intent.key);
    const previous = this.reported.get(namespace)?.get(intent.key);
    this.setReported(namespace, intent.key, set);
    if (previous === undefined ? !isDeepStrictEqual(current, desired) : previous !== set) {
      if (set !== '') this.event(profile, 'Warning', IntentReason.Widened, desired.message);
      else if (previous !== undefined) this.event(profile, 'Normal', IntentReason.Honored, desired.message);
    }
    return !isDeepStrictEqual(current, desired);
  }

  private reportUndercut(ns: KubeObject, undercut: ProfileIntent['widening']): void {
    const name = ns.metadata.name;
    const set = undercut ? undercut.policies.join(', ') : '';
    const previous = this.undercuts.get(name) ?? '';
    if (set === previous) return;
    if (set) this.undercuts.set(name, set);
    else this.undercuts.delete(name);
    this.onUndercutCount?.(this.undercutNamespaces);
    if (!undercut || set === '') return;
    this.deps.log.warn({ namespace: name, policies: undercut.policies }, 'deny-all baseline undercut');
    this.deps.events.record(
      namespaceRegarding(ns),
      'Warning',
      BASELINE_UNDERCUT_REASON,
      EventAction.Analyze,
      undercutNote(undercut),
    );
  }

  private event(profile: ProfileObject, type: EventType, reason: string, note: string): void {
    this.deps.events.record(
      {
        apiVersion: API_VERSION,
        kind: KIND,
        namespace: profile.metadata.namespace as string,
        name: profile.metadata.name,
        ...(profile.metadata.uid ? { uid: profile.metadata.uid } : {}),
      },
      type,
      reason,
      EventAction.Analyze,
      note,
    );
  }
}

export const WIDENING_CONTROLLER = 'intent-widening';
/** How long a namespace's events are gathered before its analysis runs. */
export const WIDENING_BATCH_MS = 100;

/**
 * The intent-widening controller's registration: it reads profiles, every NetworkPolicy, pods and
 * namespaces; an event queues the namespaces it touches (widening-controller.ts says which).
 */
export const setupWideningController: ControllerSetup = (manager) => {
  const { options } = manager;
  const namespaces = manager.cache(NAMESPACES);
  const controller = new WideningController({
    profiles: manager.cache(PROFILES),
    policies: manager.cache(MANAGED_POLICIES),
    // Pods only with the pods RBAC (--audit-evidence): without it, components are judged as the
    // pods their matchLabels select, and peers are those and addresses.
    pods: new LivePods(options.auditEvidence ? manager.cache(PODS) : undefined, NAMESPACE_INDEX),
    namespaces,
    intentChanges: manager.signal(INTENT_CHANGES),
    events: manager.events,
    promises: manager.promises,
    expectedBaseline: expectedBaselineOf(options),
    log: manager.log,
  });
  registerWideningMetrics(manager.metrics.registry, () => controller.widenedProfiles);
  // The baseline controller registers the gauge (protected, unprotected at scrape); undercut is ours.
  const baselineGauge = manager.metrics.registry.getSingleMetric('apptrust_baseline_namespaces') as
    | Gauge
    | undefined;
  controller.onUndercutCount = (n) => baselineGauge?.set({ state: 'undercut' }, n);
  controller.onUndercutCount(0);
  const inScope = namespaceKeys(options);
  const keys = controller.eventKeys(inScope);
  return {
    name: WIDENING_CONTROLLER,
    // A namespace's policies arrive one by one (a cold start writes them by the thousand): its
    // analysis runs once per burst, a report's latency traded for a fraction of the CPU.
    batchMs: WIDENING_BATCH_MS,
    watches: [
      watch(manager.cache(MANAGED_POLICIES), keys.policy),
      ...(options.auditEvidence ? [watch(manager.cache(PODS), keys.pod)] : []),
      watch(namespaces, keys.namespace),
      watch(manager.cache(PROFILES), keys.profile),
    ],
    keys: () => controller.namespacesToResync().flatMap(inScope),
    async reconcile(key) {
      return { outcome: await controller.reconcile(key) };
    },
  };
};
