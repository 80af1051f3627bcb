// The running operator: informers (all replicas, for readiness) → work queues → reconcilers (the
// leader only). main.ts builds one from flags; integration tests run several in-process.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, POLICY_KIND_LABEL } from '../compiler/index.js';
import type { OperatorOptions } from '../config.js';
import { BaselineRecord } from '../kube/baseline-record.js';
import { namespacedCache, type ObjectCache } from '../kube/cache.js';
import { EventRecorder } from '../kube/events.js';
import { Informer } from '../kube/informer.js';
import { LeaderElector } from '../kube/leader.js';
import { NamespaceLabels } from '../kube/namespace-labels.js';
import { type KubeObject, keyOf } from '../kube/objects.js';
import { namespaces, networkPolicies, profiles } from '../kube/paths.js';
import { type LivePolicy, PolicyStore } from '../kube/policy-store.js';
import { KubeRest } from '../kube/rest.js';
import { registerBaselineMetrics } from './baseline-metrics.js';
import { BaselineReconciler } from './baseline-reconciler.js';
import { allExcluded } from './baseline-scope.js';
import { OperatorMetrics } from './metrics.js';
import { type ProfileObject, ProfileReconciler, profileKeyOfPolicy } from './profile-reconciler.js';
import { type Outcome, WorkQueue } from './queue.js';

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
  private readonly profileQueue: WorkQueue;
  private readonly baselineQueue: WorkQueue;
  private readonly elector: LeaderElector | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
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
    this.rest = new KubeRest(kubeConfig);
    this.rest.onRequest((method, path, status) => {
      if (method !== 'GET' && (path.includes('/networkpolicies') || path.includes('/apptrustprofiles')))
        this.writes++;
      this.metrics.apiRequests.inc({ verb: method, code: String(status) });
    });
    const watched = options.watchNamespaces;
    this.profiles = namespacedCache(this.rest, kubeConfig, profiles, watched, log);
    this.policies = namespacedCache(
      this.rest,
      kubeConfig,
      networkPolicies,
      watched,
      log,
      `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
    );
    this.namespaces = new Informer(this.rest, kubeConfig, { path: namespaces() }, log);
    const store = new PolicyStore(this.rest);
    const events = new EventRecorder(this.rest, this.identity, log);
    const profileReconciler = new ProfileReconciler({
      rest: this.rest,
      store,
      profiles: this.profiles,
      policies: this.policies,
      namespaces: this.namespaces,
      events,
      settings: options.compiler,
      log,
      now: () => new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      conflictRetryMs: hooks.conflictRetryMs ?? 30_000,
    });
    const baselineReconciler = new BaselineReconciler({
      store,
      namespaces: this.namespaces,
      policies: this.policies,
      record: new BaselineRecord(this.rest, options.operatorNamespace),
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
    this.profileQueue = this.queue('apptrustprofile', (key) => profileReconciler.reconcile(key));
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
    }
  }

  private queue(controller: string, reconcile: (key: string) => Promise<Outcome>): WorkQueue {
    const worker = async (key: string): Promise<Outcome> => {
      const reconcileID = randomUUID();
      const [namespace, name] = key.includes('/') ? key.split('/') : [undefined, key];
      const log = this.log.child({ controller, namespace, name, reconcileID });
      const end = this.metrics.reconcileTime.startTimer({ controller });
      try {
        const outcome = await reconcile(key);
        this.metrics.reconcileTotal.inc({
          controller,
          result: outcome?.requeueAfterMs !== undefined ? 'requeue_after' : 'success',
        });
        log.debug('reconciled');
        return outcome;
      } catch (error) {
        this.metrics.reconcileTotal.inc({ controller, result: 'error' });
        this.metrics.reconcileErrors.inc({ controller });
        throw error;
      } finally {
        end();
      }
    };
    const onError = (key: string, error: unknown) =>
      this.log.warn({ controller, key, err: String(error) }, 'reconcile failed; retrying with backoff');
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
    this.profiles.on((event, profile, old) => {
      // Our own status writes do not change the generation: skip them rather than reconcile again.
      if (
        event === 'update' &&
        old &&
        old.metadata.generation === profile.metadata.generation &&
        old.metadata.uid === profile.metadata.uid
      )
        return;
      this.enqueueProfile(keyOf(profile.metadata));
    });
    this.policies.on((_event, policy) => {
      this.metrics.managedPolicies.set(this.policies.size);
      if (policy.metadata.labels?.[POLICY_KIND_LABEL] === 'baseline') {
        if (policy.metadata.namespace) this.enqueueNamespace(policy.metadata.namespace);
        return;
      }
      const key = profileKeyOfPolicy(policy);
      if (key) this.enqueueProfile(key);
    });
    this.namespaces.on((_event, ns) => this.enqueueNamespace(ns.metadata.name));
  }

  /** Starts the informers, waits for their first sync, then campaigns (or starts right away). */
  async start(): Promise<void> {
    for (const informer of [this.profiles, this.policies, this.namespaces]) informer.start();
    await Promise.all([
      this.profiles.waitForSync(),
      this.policies.waitForSync(),
      this.namespaces.waitForSync(),
    ]);
    if (this.elector) this.elector.start();
    else this.startControllers();
  }

  get ready(): boolean {
    return this.profiles.hasSynced() && this.policies.hasSynced() && this.namespaces.hasSynced();
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : this.running;
  }

  private startControllers(): void {
    if (this.running) return;
    this.running = true;
    this.metrics.leader.set({ name: this.options.leaseName }, 1);
    this.resyncAll();
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
    void this.profileQueue.shutdown();
    void this.baselineQueue.shutdown();
    this.hooks.onLostLeadership?.();
  }

  /** Graceful stop: take no new work, finish in-flight reconciles, release the lease. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.resyncTimer);
    await Promise.all([this.profileQueue.shutdown(), this.baselineQueue.shutdown()]);
    await this.elector?.stop();
    for (const informer of [this.profiles, this.policies, this.namespaces]) informer.stop();
    this.rest.close();
  }
}
