// The two steps every fault test shares: a control plane with the operator's namespace before it,
// and the tail after the fault (converge to the exact state, count the writes, stop, restart idle,
// report). One place, so every fault is measured and reported the same way.
import { namespaces } from '../../src/kube/paths.js';
import { buildDist } from '../helpers/process.js';
import { OPERATOR_NAMESPACE, workWrites, writesOfIdleRestart } from './checks.js';
import { type ConvergeTrace, operatorConvergedMs, type Scope, waitExact } from './exact-state.js';
import {
  type AuditEvent,
  auditEvents,
  type FaultsCluster,
  report,
  startFaultsCluster,
  writesBy,
} from './harness.js';

/** dist/ rebuilt (the process runs the sources under test), a control plane, the operator's namespace. */
export async function setUpFaultsCluster(name: string): Promise<FaultsCluster> {
  buildDist();
  const cluster = await startFaultsCluster(name);
  await cluster.rest.request({
    method: 'POST',
    path: namespaces(),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NAMESPACE } },
  });
  return cluster;
}

export interface FaultEnd {
  cluster: FaultsCluster;
  scope: Scope;
  /** The operator's flags (the idle restart runs with the same, as `<user>-idle`). */
  args: string[];
  seed: number;
  faultStart: number;
  /** The operator's user; `users`: all whose writes since `faultStart` count (default: that one). */
  user: string;
  users?: string[];
  /** Stops the operator(s) under test. */
  stop(): Promise<void>;
}

/** What a fault adds to its report: fixed numbers, or numbers from the audit events seen at convergence. */
export type FaultFacts = Record<string, unknown> | ((events: AuditEvent[]) => Record<string, unknown>);

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * After a fault (`fault`: its name in test-results/faults.json): waits for the exact state (timed), counts the writes, stops the operator, restarts
 * it with nothing to do and counts what it writes (must be none), reports. Returns the idle
 * restart's writes for the test to assert.
 */
export async function convergeAndReport(
  end: FaultEnd,
  fault: string,
  facts: FaultFacts,
): Promise<Record<string, number>> {
  const trace: ConvergeTrace = [];
  const convergeMs = await waitExact(end.cluster.rest, end.scope, 90_000, trace);
  const events = auditEvents(end.cluster);
  const writes = writesBy(events, { users: end.users ?? [end.user], from: end.faultStart });
  await end.stop();
  const idleRestart = await writesOfIdleRestart(end.cluster, end.scope, `${end.user}-idle`, end.args);
  report(fault, {
    seed: end.seed,
    ...(typeof facts === 'function' ? facts(events) : facts),
    convergeMs,
    operatorConvergeMs: operatorConvergedMs(trace),
    convergeTrace: trace,
    writes,
    workWrites: workWrites(writes),
    idleRestartWrites: total(idleRestart),
  });
  return idleRestart;
}
