// Prometheus metrics with controller-runtime's names, plus our own, plus prom-client's default
// process and Node.js metrics (process_*, nodejs_*).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { ConditionReason } from '../api/v1alpha1/reasons.js';
import { VERSION } from '../version.js';
import type { QueueMetrics } from './queue.js';

/**
 * How a reconcile ended, as the `result` label of controller_runtime_reconcile_total: an alert on
 * `result=~"invalid|conflict|error"` needs them apart. `requeue` = done for now, retried later
 * (e.g. after a conflict clears); `error` = threw, retried with backoff.
 */
export const RECONCILE_RESULTS = ['success', 'invalid', 'conflict', 'requeue', 'error'] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

/** Ready reasons the profiles gauge knows; anything else is counted as Other (bounded cardinality). */
export const PROFILE_REASONS = [...Object.values(ConditionReason), 'Other'] as const;

const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = this.counter(
    'controller_runtime_reconcile_total',
    'Total reconciliations per controller and result',
    ['controller', 'result'],
  );
  readonly reconcileErrors = this.counter(
    'controller_runtime_reconcile_errors_total',
    'Total reconciliation errors per controller',
    ['controller'],
  );
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'],
    buckets: RECONCILE_BUCKETS,
    registers: [this.registry],
  });
  readonly queueDepth = this.gauge('workqueue_depth', 'Current depth of workqueue', ['name']);
  readonly queueAdds = this.counter('workqueue_adds_total', 'Total number of adds handled by workqueue', [
    'name',
  ]);
  readonly queueRetries = this.counter(
    'workqueue_retries_total',
    'Total number of retries handled by workqueue',
    ['name'],
  );
  readonly apiRequests = this.counter(
    'apptrust_api_requests_total',
    'Requests to the Kubernetes API by verb and status code',
    ['verb', 'code'],
  );
  readonly managedPolicies = this.gauge(
    'apptrust_managed_networkpolicies',
    'NetworkPolicies carrying the managed-by label of this operator',
    [],
  );
  readonly leader = this.gauge(
    'leader_election_master_status',
    'Whether this instance is the leader (1) or not (0)',
    ['name'],
  );

  readonly buildInfo = this.gauge(
    'apptrust_build_info',
    'Always 1; the version label says which build runs',
    ['version'],
  );
  /** Last known Ready reason per profile key; the gauge counts them at scrape time. */
  private readonly reasonByProfile = new Map<string, (typeof PROFILE_REASONS)[number]>();
  readonly profiles = new Gauge({
    name: 'apptrust_profiles',
    help: 'AppTrustProfiles by the reason of their Ready condition',
    labelNames: ['reason'],
    registers: [this.registry],
    collect: () => this.countProfiles(),
  });

  /** Where the dropped-Events count is read at scrape time (the operator's EventRecorder). */
  private droppedEvents: () => number = () => 0;
  readonly eventsDropped = new Counter({
    name: 'apptrust_events_dropped_total',
    help: 'Kubernetes Events not sent because the queue of paced Events was full',
    registers: [this.registry],
    collect: () => {
      this.eventsDropped.reset();
      this.eventsDropped.inc(this.droppedEvents());
    },
  });

  constructor(version: string = VERSION) {
    // The event-loop lag histogram samples on a timer: at prom-client's default 10 ms that timer
    // alone kept an idle operator at ~0.7 % CPU; once a second is plenty for an alert.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
    this.buildInfo.set({ version }, 1);
  }

  /** Reads the count of dropped Events from `source` at each scrape. */
  countDroppedEvents(source: () => number): void {
    this.droppedEvents = source;
  }

  /** Every result of a registered controller is a series from the start (at 0): rate() sees the first one. */
  addController(controller: string): void {
    for (const result of RECONCILE_RESULTS) this.reconcileTotal.inc({ controller, result }, 0);
  }

  /** Counts one finished reconcile of `controller` by how it ended. */
  reconciled(controller: string, result: ReconcileResult): void {
    this.reconcileTotal.inc({ controller, result });
    if (result === 'error') this.reconcileErrors.inc({ controller });
  }

  /**
   * Records the Ready reason of profile `key` (namespace/name) after a reconcile; undefined when
   * the profile is gone. Unknown reasons count as Other, so the label set stays fixed.
   */
  profileReason(key: string, reason: string | undefined): void {
    if (reason === undefined) {
      this.reasonByProfile.delete(key);
      return;
    }
    const known = (PROFILE_REASONS as readonly string[]).includes(reason);
    this.reasonByProfile.set(key, known ? (reason as (typeof PROFILE_REASONS)[number]) : 'Other');
  }

  private countProfiles(): void {
    const counts = new Map<string, number>(PROFILE_REASONS.map((r) => [r, 0]));
    for (const reason of this.reasonByProfile.values()) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    for (const [reason, count] of counts) this.profiles.set({ reason }, count);
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  queue(name: string): QueueMetrics {
    return {
      depth: (n) => this.queueDepth.set({ name }, n),
      added: () => this.queueAdds.inc({ name }),
      retried: () => this.queueRetries.inc({ name }),
    };
  }
}
