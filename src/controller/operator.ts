// The running operator: informers (all replicas, for readiness) → work queues → reconcilers (the
// leader only). main.ts builds one from flags; integration tests run several in-process. It knows no
// controller by name: each registers itself (CONTROLLERS below; controller.ts says what one is).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ConditionReason } from '../api/v1alpha1/reasons.js';
import type { OperatorOptions } from '../config.js';
import { FencedError } from '../kube/errors.js';
import { EventRecorder } from '../kube/events.js';
import type { KubeAccess } from '../kube/kube-access.js';
import { LeaderElector } from '../kube/leader.js';
import { PolicyStore } from '../kube/policy-store.js';
import { KubeRest } from '../kube/rest.js';
import { setupAdmissionGateController } from './admission-gate-controller.js';
import { setupBaselineController } from './baseline-controller.js';
import { CacheSet } from './caches.js';
import {
  CONFLICT_RETRY_MS,
  type Controller,
  type ControllerSetup,
  type Manager,
  type Reconciled,
} from './controller.js';
import { KeySignal } from './key-signal.js';
import { OperatorMetrics, type ReconcileResult } from './metrics.js';
import { setupProfileController } from './profile-controller.js';
import { ProfilePromises } from './profile-promises.js';
import { type Outcome, WorkQueue } from './queue.js';
import { setupWideningController } from './widening-controller.js';

/** Every controller the operator runs, in start order: a new one is one line here. */
export const CONTROLLERS: readonly ControllerSetup[] = [
  setupProfileController,
  setupBaselineController,
  setupWideningController,
  setupAdmissionGateController,
];

export interface OperatorHooks {
  /** Called when leadership is lost: production exits the process (client-go semantics). */
  onLostLeadership?: () => void;
  identity?: string;
  conflictRetryMs?: number;
}

interface Running {
  controller: Controller;
  queue: WorkQueue;
}

/**
 * Normal Events wait during the first pass over every key of a term (see EventRecorder.holdNormal),
 * at most this long: a key that keeps failing must not hold them for ever.
 */
export const FIRST_PASS_EVENT_HOLD_MS = 5 * 60_000;

export class Operator {
  readonly metrics = new OperatorMetrics();
  readonly rest: KubeRest;
  readonly identity: string;
  private readonly caches: CacheSet;
  private readonly controllers: Running[];
  private readonly elector: LeaderElector | undefined;
  /** Aborted when this replica stops leading: the `signal` of every reconcile of the term. */
  private term = new AbortController();
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly events: EventRecorder;
  private running = false;
  /** Writes of NetworkPolicies and profile status (not Events, not Lease renewals): the no-churn guarantee is measured here. */
  writes = 0;

  constructor(
    kubeConfig: KubeAccess,
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
    this.caches = new CacheSet({ rest: this.rest, kubeConfig, watched: options.watchNamespaces, log });
    const signals = new Map<string, KeySignal>();
    this.events = new EventRecorder(this.rest, this.identity, log);
    this.metrics.countDroppedEvents(() => this.events.dropped);
    const manager: Manager = {
      options,
      rest: this.rest,
      log,
      metrics: this.metrics,
      events: this.events,
      promises: new ProfilePromises(),
      policyStore: new PolicyStore(this.rest),
      conflictRetryMs: hooks.conflictRetryMs ?? CONFLICT_RETRY_MS,
      cache: (spec) => this.caches.get(spec),
      signal: (name) => {
        let signal = signals.get(name);
        if (!signal) {
          signal = new KeySignal();
          signals.set(name, signal);
        }
        return signal;
      },
    };
    this.controllers = CONTROLLERS.map((setup) => this.register(setup(manager)));
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

  /** A work queue for the controller, fed by its watches (only while this replica leads). */
  private register(controller: Controller): Running {
    const { name } = controller;
    this.metrics.addController(name);
    const onError = (key: string, error: unknown) =>
      this.log.warn({ controller: name, key, err: error }, 'reconcile failed; retrying with backoff');
    const queue = new WorkQueue(
      (key) => this.reconcile(controller, key),
      this.options.concurrency,
      onError,
      this.metrics.queue(name),
    );
    const { batchMs } = controller;
    const enqueue = (keys: Iterable<string>) => {
      if (!this.running) return;
      for (const key of keys) {
        if (batchMs) queue.addBatched(key, batchMs);
        else queue.add(key);
      }
    };
    for (const w of controller.watches) {
      w.source.on((event, object) => enqueue(w.keys(event, object)));
      const { relisted } = w;
      if (relisted) w.source.onRelist(() => enqueue(relisted()));
    }
    return { controller, queue };
  }

  private async reconcile(controller: Controller, key: string): Promise<Outcome> {
    const [namespace, name] = key.includes('/') ? key.split('/') : [undefined, key];
    const log = this.log.child({ controller: controller.name, namespace, name, reconcileID: randomUUID() });
    const end = this.metrics.reconcileTime.startTimer({ controller: controller.name });
    try {
      const reconciled = await controller.reconcile(key, { log, signal: this.term.signal });
      if (reconciled.error) throw reconciled.error;
      const result = resultOf(reconciled);
      this.metrics.reconciled(controller.name, result);
      log.debug({ result }, 'reconciled');
      return reconciled.outcome;
    } catch (error) {
      // Fenced: this replica may no longer lead and is on its way out; the new leader takes over.
      if (error instanceof FencedError) {
        log.debug({ err: error }, 'write fenced; dropping the reconcile');
        return undefined;
      }
      this.metrics.reconciled(controller.name, 'error');
      throw error;
    } finally {
      end();
    }
  }

  /** Starts the informers, waits for their first sync, then campaigns (or starts right away). */
  async start(): Promise<void> {
    this.caches.start();
    await this.caches.waitForSync();
    if (this.elector) this.elector.start();
    else this.startControllers();
  }

  get ready(): boolean {
    return this.caches.hasSynced();
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : this.running;
  }

  private startControllers(): void {
    if (this.running) return;
    this.running = true;
    if (this.term.signal.aborted) this.term = new AbortController();
    this.metrics.leader.set({ name: this.options.leaseName }, 1);
    this.resyncAll();
    this.events.holdNormal(this.firstPass(this.term.signal));
    if (this.options.resyncPeriodMs > 0)
      this.resyncTimer = setInterval(() => this.resyncAll(), this.options.resyncPeriodMs);
  }

  /** Queues every key of every controller: start-up back-fill and the periodic resync. */
  resyncAll(): void {
    if (!this.running) return;
    for (const { controller, queue } of this.controllers) for (const key of controller.keys()) queue.add(key);
  }

  /**
   * Resolves once every queue is empty and idle (the first pass of a term is done), when the term
   * ends, or after FIRST_PASS_EVENT_HOLD_MS, whichever comes first.
   */
  private async firstPass(term: AbortSignal): Promise<void> {
    const deadline = performance.now() + FIRST_PASS_EVENT_HOLD_MS;
    while (!term.aborted && this.running && performance.now() < deadline) {
      if (this.controllers.every(({ queue }) => queue.idle)) return;
      await new Promise((r) => setTimeout(r, 20).unref());
    }
  }

  /** Resolves when every queue is empty and idle (tests). */
  async idle(): Promise<void> {
    while (!this.controllers.every(({ queue }) => queue.idle)) await new Promise((r) => setTimeout(r, 20));
  }

  private lostLeadership(): void {
    this.running = false;
    this.term.abort();
    this.metrics.leader.set({ name: this.options.leaseName }, 0);
    clearInterval(this.resyncTimer);
    for (const { queue } of this.controllers) void queue.shutdown();
    this.hooks.onLostLeadership?.();
  }

  /** Graceful stop: take no new work, finish in-flight reconciles, release the lease. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.resyncTimer);
    await Promise.all(this.controllers.map(({ queue }) => queue.shutdown()));
    this.term.abort();
    await this.elector?.stop();
    this.caches.stop();
    this.rest.close();
  }
}

/** How a reconcile ended, for controller_runtime_reconcile_total{result}. */
function resultOf({ outcome, reason }: Reconciled): ReconcileResult {
  if (outcome?.retry) return 'requeue';
  if (reason === ConditionReason.InvalidSpec) return 'invalid';
  if (reason === ConditionReason.Conflict) return 'conflict';
  if (outcome?.requeueAfterMs !== undefined) return 'requeue';
  return 'success';
}
