// What every fault ends with: the state is exact, and a fresh operator with nothing to do writes
// nothing (counted by the API server, not by the operator).
import { parseOptions } from '../../src/config.js';
import { profiles } from '../../src/kube/paths.js';
import { eventually } from '../helpers/cluster.js';
import { exactStateProblems, type Scope } from './exact-state.js';
import {
  auditEvents,
  type FaultsCluster,
  metric,
  sleep,
  startReplica,
  stopReplica,
  workWrites,
  writesBy,
} from './harness.js';

export const OPERATOR_NAMESPACE = 'apptrust-faults';

export interface LeaseTimings {
  lease: string;
  renew: string;
  retry: string;
}

/** client-go's timings, what the operator runs with by default. */
export const DEFAULT_TIMINGS: LeaseTimings = { lease: '15s', renew: '10s', retry: '2s' };

export function operatorArgs(namespaces: string[], leaseName: string, t: LeaseTimings = DEFAULT_TIMINGS) {
  return [
    `--watch-namespaces=${namespaces.join(',')}`,
    // The workload's namespaces exist before the operator first runs: in scope only when asked.
    '--baseline-existing=true',
    `--operator-namespace=${OPERATOR_NAMESPACE}`,
    `--lease-name=${leaseName}`,
    `--leader-elect-lease-duration=${t.lease}`,
    `--leader-elect-renew-deadline=${t.renew}`,
    `--leader-elect-retry-period=${t.retry}`,
  ];
}

/** What the operator started with `args` should produce, for the exact-state check. */
export function scopeOf(namespaces: string[], args: string[]): Scope {
  const options = parseOptions(args, {});
  return {
    namespaces,
    settings: options.compiler,
    baseline: options.baseline,
    allowDNS: options.baselineAllowDNS,
  };
}

async function profileCount(cluster: FaultsCluster, namespaces: string[]): Promise<number> {
  let n = 0;
  for (const ns of namespaces) n += (await cluster.rest.get<{ items: unknown[] }>(profiles(ns))).items.length;
  return n;
}

/**
 * Starts a fresh operator (as `user`) over a converged state, waits until it has reconciled every
 * profile and namespace in scope, stops it, and returns its writes by resource (Lease excluded).
 * Call it with no other operator running.
 */
export async function writesOfIdleRestart(
  cluster: FaultsCluster,
  scope: Scope,
  user: string,
  args: string[],
): Promise<Record<string, number>> {
  const expectedProfiles = await profileCount(cluster, scope.namespaces);
  const replica = await startReplica(cluster, user, args);
  try {
    await eventually(
      'the restarted operator to lead',
      async () => (replica.leads() ? true : undefined),
      30_000,
    );
    await eventually(
      'the restarted operator to reconcile everything in scope',
      async () => {
        const profilesDone = await metric(replica, 'controller_runtime_reconcile_total', {
          controller: 'apptrustprofile',
        });
        const baselinesDone = await metric(replica, 'controller_runtime_reconcile_total', {
          controller: 'namespace-baseline',
        });
        const depth = await metric(replica, 'workqueue_depth');
        return profilesDone >= expectedProfiles &&
          (!scope.baseline || baselinesDone >= scope.namespaces.length) &&
          depth === 0
          ? true
          : undefined;
      },
      30_000,
      200,
    );
    await sleep(2000); // anything it was going to write, it has written by now
  } finally {
    await stopReplica(replica);
    replica.saveLog();
  }
  const problems = await exactStateProblems(cluster.rest, scope);
  if (problems.length > 0)
    throw new Error(`the idle restart disturbed the state:\n  ${problems.join('\n  ')}`);
  const writes = writesBy(auditEvents(cluster), { users: [user] });
  // Control: the audit log does attribute this process's requests to it (it renewed its Lease), so
  // "no other write" is not an artefact of a log that records nothing.
  if (!writes.leases)
    throw new Error(`the audit log shows no Lease write by ${user}: writes cannot be attributed`);
  delete writes.leases;
  return writes;
}

export { workWrites };
