// Prometheus metrics with controller-runtime's names, plus our own.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueMetrics } from './queue.js';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total reconciliations per controller and result',
    labelNames: ['controller', 'result'],
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total reconciliation errors per controller',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly queueAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly queueRetries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'apptrust_api_requests_total',
    help: 'Requests to the Kubernetes API by verb and status code',
    labelNames: ['verb', 'code'],
    registers: [this.registry],
  });
  readonly managedPolicies = new Gauge({
    name: 'apptrust_managed_networkpolicies',
    help: 'NetworkPolicies carrying the managed-by label of this operator',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'leader_election_master_status',
    help: 'Whether this instance is the leader (1) or not (0)',
    labelNames: ['name'],
    registers: [this.registry],
  });

  queue(name: string): QueueMetrics {
    return {
      depth: (n) => this.queueDepth.set({ name }, n),
      added: () => this.queueAdds.inc({ name }),
      retried: () => this.queueRetries.inc({ name }),
    };
  }
}
