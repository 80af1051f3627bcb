// Prometheus metrics with controller-runtime's names, plus our own.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueMetrics } from './queue.js';

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
