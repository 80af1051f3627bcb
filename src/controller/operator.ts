// The running operator: informers (all replicas, for readiness) → work queues → reconcilers (the
// leader only). main.ts builds one from flags; integration tests run several in-process.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  BASELINE_POLICY_NAME,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type NetworkPolicy,
} from '../compiler/index.js';
import type { OperatorOptions } from '../config.js';
import { BASELINE_RECORD_NAME, BaselineRecord } from '../kube/baseline-record.js';
import { namespacedCache, type ObjectCache } from '../kube/cache.js';
import { FencedError } from '../kube/errors.js';
import { EventRecorder } from '../kube/events.js';
import { Informer } from '../kube/informer.js';
import { LeaderElector } from '../kube/leader.js';
import { NamespaceLabels } from '../kube/namespace-labels.js';
import { type KubeList, type KubeObject, keyOf, slimNamespace } from '../kube/objects.js';
import { baselineRecords, namespaces, networkPolicies, pods, profiles } from '../kube/paths.js';
import { type SlimPod, slimPod } from '../kube/pods.js';
import { type LivePolicy, PolicyStore } from '../kube/policy-store.js';
import { KubeRest } from '../kube/rest.js';
import { ProfileStatusWriter } from '../kube/status-writer.js';
import { AdmissionGateWatch } from './admission-gate-watch.js';
import { type FlowEvidence, flowEvidence } from './audit-evidence.js';
import { registerBaselineMetrics } from './baseline-metrics.js';
import { BaselineReconciler, recordSpec } from './baseline-reconciler.js';
import { allExcluded } from './baseline-scope.js';
import { type Reason, Reason as Reasons } from './conditions.js';
import { OperatorMetrics, type ReconcileResult } from './metrics.js';
import {
  controllerUid,
  type ProfileObject,
  ProfileReconciler,
  profileKeyOfPolicy,
} from './profile-reconciler.js';
import { type Outcome, WorkQueue } from './queue.js';
import { WriteMemo } from './write-memo.js';

const OWNER_INDEX = 'owner-uid';

export interface OperatorHooks {
  /** Called when leadership is lost: production exits the process (client-go semantics). */
  onLostLeadership?: () => void;
  identity?: string;
  conflictRetryMs?: number;
}

export class Operator {
  readonly metrics = new OperatorMetrics();
  readonly rest: KubeRest;
  readonly identity: string;
  private readonly profiles: ObjectCache<ProfileObject>;
  private readonly policies: ObjectCache<LivePolicy>;
  private readonly namespaces: Informer<KubeObject>;
  private readonly pods: ObjectCache<SlimPod>;
  private readonly profileQueue: WorkQueue;
  private readonly baselineQueue: WorkQueue;
  private readonly elector: LeaderElector | undefined;
  /** Our writes not yet seen by the informers: their echoes need no reconcile. */
  private readonly policyWrites = new WriteMemo();
  private readonly statusWrites = new WriteMemo();
  /** The Ready reason the reconcile in flight for a key reported (one in flight per key). */
  private readonly reasonOfReconcile = new Map<string, Reason>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private records: Informer<KubeObject> | undefined;
  private gateWatch: AdmissionGateWatch | undefined;
  private running = false;
  /** Writes of NetworkPolicies and profile status (not Events, not Lease renewals): the no-churn guarantee is measured here. */
  writes = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: OperatorOptions,
    private readonly log: Logger,
    private readonly hooks: OperatorHooks = {},
  ) {
    this.identity = hooks.identity ?? `${hostname()}_${randomUUID()}`;
    this.rest = new KubeRest(kubeConfig, { qps: options.kubeApiQps, burst: options.kubeApiBurst });
    this.rest.onRequest((method, path, status) => {
      if (method !== 'GET' && (path.includes('/networkpolicies') || path.includes('/apptrustprofiles')))
        this.writes++;
      this.metrics.apiRequests.inc({ verb: method, code: String(status) });
    });
    const watched = options.watchNamespaces;
    this.profiles = namespacedCache(this.rest, kubeConfig, profiles, watched, log);
    this.policies = namespacedCache(this.rest, kubeConfig, networkPolicies, watched, log);
    this.policies.addIndex(OWNER_INDEX, controllerUid);
    this.namespaces = new Informer(
      this.rest,
      kubeConfig,
      { path: namespaces(), transform: slimNamespace },
      log,
    );
    // Only for Audit's evidence (live flows): labels, IPs and declared ports, nothing else kept.
    this.pods = namespacedCache(this.rest, kubeConfig, pods, watched, log, undefined, slimPod);
    const store = new PolicyStore(this.rest);
    const events = new EventRecorder(this.rest, this.identity, log);
    const profileReconciler = new ProfileReconciler({
      policies: store,
      status: new ProfileStatusWriter(this.rest),
      profileCache: this.profiles,
      policyCache: {
        get: (key) => this.policies.get(key),
        ownedBy: (uid) => this.policies.byIndex(OWNER_INDEX, uid),
      },
      namespaceCache: this.namespaces,
      events,
      policyWrites: this.policyWrites,
      statusWrites: this.statusWrites,
      settings: options.compiler,
      now: () => new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      conflictRetryMs: hooks.conflictRetryMs ?? 30_000,
      auditEvidence: (namespace, owned, rendered) => this.auditEvidence(namespace, owned, rendered),
      onReason: (key, reason) => {
        this.metrics.profileReason(key, reason);
        if (reason !== undefined) this.reasonOfReconcile.set(key, reason);
      },
    });
    const record = new BaselineRecord(this.rest, options.operatorNamespace);
    const baselineReconciler = new BaselineReconciler({
      store,
      namespaces: this.namespaces,
      policies: this.policies,
      record,
      labels: new NamespaceLabels(this.rest),
      events,
      compiler: options.compiler,
      baseline: {
        enabled: options.baseline,
        allowDNS: options.baselineAllowDNS,
        excluded: allExcluded(options.operatorNamespace, options.baselineExclude),
        watched: options.watchNamespaces,
        existing: options.baselineExisting,
      },
      log,
      blockedRetryMs: hooks.conflictRetryMs ?? 30_000,
    });
    registerBaselineMetrics(this.metrics.registry, () => baselineReconciler.protectionCounts());
    if (options.baseline) this.gateWatch = this.watchAdmissionGate(kubeConfig, record, events);
    this.profileQueue = this.queue('apptrustprofile', (key, log) =>
      profileReconciler.reconcile(key, { log }),
    );
    this.baselineQueue = this.queue('namespace-baseline', (key) => baselineReconciler.reconcile(key));
    this.wireEvents();
    if (options.leaderElect) {
      this.elector = new LeaderElector(
        this.rest,
        options.leaseNamespace,
        options.leaseName,
        this.identity,
        log,
        { onStartedLeading: () => this.startControllers(), onStoppedLeading: () => this.lostLeadership() },
        options.leaderTimings,
      );
      // Fencing: once the lease may have passed to another replica, no write of any kind leaves.
      this.rest.setWriteFence(this.elector.writeFence);
    }
  }

  /** The gate's param: watched (by name) and re-created by the leader when it goes. */
  private watchAdmissionGate(kubeConfig: KubeConfig, record: BaselineRecord, events: EventRecorder) {
    const { operatorNamespace, baselineExclude, watchNamespaces, baselineExisting } = this.options;
    this.records = new Informer<KubeObject>(
      this.rest,
      kubeConfig,
      { path: baselineRecords(operatorNamespace), fieldSelector: `metadata.name=${BASELINE_RECORD_NAME}` },
      this.log,
    );
    const records = this.records;
    return new AdmissionGateWatch({
      onRecordEvent: (handler) => records.on((event) => handler(event)),
      record,
      scope: recordSpec({
        excluded: allExcluded(operatorNamespace, baselineExclude),
        watched: watchNamespaces,
        existing: baselineExisting,
      }),
      events,
      operatorNamespace,
      log: this.log,
      registry: this.metrics.registry,
    });
  }

  private queue(controller: string, reconcile: (key: string, log: Logger) => Promise<Outcome>): WorkQueue {
    const worker = async (key: string): Promise<Outcome> => {
      const reconcileID = randomUUID();
      const [namespace, name] = key.includes('/') ? key.split('/') : [undefined, key];
      const log = this.log.child({ controller, namespace, name, reconcileID });
      const end = this.metrics.reconcileTime.startTimer({ controller });
      try {
        const outcome = await reconcile(key, log);
        const result = resultOf(outcome, this.reasonOfReconcile.get(key));
        this.metrics.reconciled(controller, result);
        log.debug({ result }, 'reconciled');
        return outcome;
      } catch (error) {
        // Fenced: this replica may no longer lead and is on its way out; the new leader takes over.
        if (error instanceof FencedError) {
          log.debug({ err: error }, 'write fenced; dropping the reconcile');
          return undefined;
        }
        this.metrics.reconciled(controller, 'error');
        throw error;
      } finally {
        this.reasonOfReconcile.delete(key);
        end();
      }
    };
    const onError = (key: string, error: unknown) =>
      this.log.warn({ controller, key, err: error }, 'reconcile failed; retrying with backoff');
    return new WorkQueue(worker, this.options.concurrency, onError, this.metrics.queue(controller));
  }

  /** The namespaces informer is cluster-wide; the profile and policy caches hold only what is watched. */
  private inScope(namespace: string): boolean {
    return this.options.watchNamespaces.length === 0 || this.options.watchNamespaces.includes(namespace);
  }

  private enqueueProfile(key: string): void {
    if (this.running) this.profileQueue.add(key);
  }

  /** Also with --baseline=false: the reconciler then removes what it created (rollback). */
  private enqueueNamespace(name: string): void {
    if (this.running && this.inScope(name)) this.baselineQueue.add(name);
  }

  private wireEvents(): void {
    this.profiles.on((_event, profile) => {
      const key = keyOf(profile.metadata);
      // The echo of our own status write needs nothing; any other change, status written by
      // someone else included, is looked at again (and rewritten only if it differs).
      if (this.statusWrites.settle(key, profile.metadata.resourceVersion)) return;
      this.enqueueProfile(key);
    });
    this.policies.on((event, policy) => {
      this.countManaged(event, policy);
      const echo = this.policyWrites.settle(keyOf(policy.metadata), policy.metadata.resourceVersion);
      if (echo && event !== 'delete') return; // exactly what we just wrote
      // The baseline is known by its name (a tenant can strip its labels); no profile renders it.
      if (policy.metadata.name === BASELINE_POLICY_NAME) {
        if (policy.metadata.namespace) this.enqueueNamespace(policy.metadata.namespace);
        return;
      }
      const key = profileKeyOfPolicy(policy);
      if (key) this.enqueueProfile(key);
    });
    this.namespaces.on((_event, ns) => this.enqueueNamespace(ns.metadata.name));
    // A relist bridged a gap in a watch: an object created and deleted inside it sent no event, so
    // pending writes are forgotten and everything is looked at again (writes only what differs).
    this.policies.onRelist(() => {
      this.policyWrites.clear();
      this.resyncAll();
    });
    this.profiles.onRelist(() => this.statusWrites.clear());
  }

  /** apptrust_managed_networkpolicies: the cache holds every policy, the gauge counts ours. */
  private readonly managedKeys = new Set<string>();
  private countManaged(event: string, policy: LivePolicy): void {
    const key = keyOf(policy.metadata);
    if (event !== 'delete' && policy.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE)
      this.managedKeys.add(key);
    else this.managedKeys.delete(key);
    this.metrics.managedPolicies.set(this.managedKeys.size);
  }

  /** Starts the informers, waits for their first sync, then campaigns (or starts right away). */
  async start(): Promise<void> {
    for (const informer of this.informers()) informer.start();
    // Not waited for: with the record's CRD gone it never syncs, and the gate watch says so.
    this.records?.start();
    await Promise.all([
      this.profiles.waitForSync(),
      this.policies.waitForSync(),
      this.namespaces.waitForSync(),
      this.pods.waitForSync(),
    ]);
    if (this.elector) this.elector.start();
    else this.startControllers();
  }

  private informers(): Array<{ start(): void; stop(): void }> {
    return [this.profiles, this.policies, this.namespaces, this.pods];
  }

  /** Every NetworkPolicy in force (a read past our label-selected cache: Audit profiles are few). */
  private async auditEvidence(
    namespace: string,
    owned: ReadonlySet<string>,
    rendered: readonly NetworkPolicy[],
  ): Promise<FlowEvidence> {
    // With --watch-namespaces the operator may only list there (Roles), and only sees pods there.
    const scopes = this.options.watchNamespaces.length > 0 ? this.options.watchNamespaces : [undefined];
    const lists = await Promise.all(
      scopes.map((ns) =>
        this.rest.get<KubeList<NetworkPolicy>>(networkPolicies(ns), { resourceVersion: '0' }),
      ),
    );
    const live = {
      namespaces: this.namespaces.list(),
      pods: this.pods.list(),
      policies: lists.flatMap((l) => l.items),
    };
    return flowEvidence(live, namespace, owned, rendered);
  }

  get ready(): boolean {
    return (
      this.profiles.hasSynced() &&
      this.policies.hasSynced() &&
      this.namespaces.hasSynced() &&
      this.pods.hasSynced()
    );
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : this.running;
  }

  private startControllers(): void {
    if (this.running) return;
    this.running = true;
    this.metrics.leader.set({ name: this.options.leaseName }, 1);
    this.resyncAll();
    this.gateWatch?.start();
    if (this.options.resyncPeriodMs > 0)
      this.resyncTimer = setInterval(() => this.resyncAll(), this.options.resyncPeriodMs);
  }

  /** Queues every profile and namespace in scope: start-up back-fill and the periodic resync. */
  resyncAll(): void {
    for (const p of this.profiles.list()) this.enqueueProfile(keyOf(p.metadata));
    for (const ns of this.namespaces.list()) this.enqueueNamespace(ns.metadata.name);
  }

  /** Resolves when both queues are empty and idle (tests). */
  async idle(): Promise<void> {
    while (!this.profileQueue.idle || !this.baselineQueue.idle) await new Promise((r) => setTimeout(r, 20));
  }

  private lostLeadership(): void {
    this.running = false;
    this.metrics.leader.set({ name: this.options.leaseName }, 0);
    clearInterval(this.resyncTimer);
    this.gateWatch?.stop();
    void this.profileQueue.shutdown();
    void this.baselineQueue.shutdown();
    this.hooks.onLostLeadership?.();
  }

  /** Graceful stop: take no new work, finish in-flight reconciles, release the lease. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.resyncTimer);
    this.gateWatch?.stop();
    this.records?.stop();
    await Promise.all([this.profileQueue.shutdown(), this.baselineQueue.shutdown()]);
    await this.elector?.stop();
    for (const informer of this.informers()) informer.stop();
    this.rest.close();
  }
}

/** How a reconcile ended, for controller_runtime_reconcile_total{result}. */
function resultOf(outcome: Outcome, reason: Reason | undefined): ReconcileResult {
  if (outcome?.retry) return 'requeue';
  if (reason === Reasons.InvalidSpec) return 'invalid';
  if (reason === Reasons.Conflict) return 'conflict';
  if (outcome?.requeueAfterMs !== undefined) return 'requeue';
  return 'success';
}
