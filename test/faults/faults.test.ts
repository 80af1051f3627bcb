// Faults against the real operator process (node dist/main.js) on a real local control plane.
// After each fault the state must be exact (test/faults/exact-state.ts) and a restart with nothing
// to do must write nothing; every write is counted by the API server (its audit log), per user.

import { lease } from '../../src/kube/paths.js';
import { compactEtcd, startApiServer, stopApiServer } from '../cluster/controlplane.js';
import { eventually } from '../helpers/cluster.js';
import { OPERATOR_NAMESPACE, operatorArgs, scopeOf } from './checks.js';
import { waitExact } from './exact-state.js';
import {
  type AuditEvent,
  auditEvents,
  type FaultsCluster,
  listsBy,
  type Replica,
  receivedAt,
  Supervisor,
  sleep,
  startReplica,
  stopFaultsCluster,
  stopReplica,
  WRITE_VERBS,
  within,
} from './harness.js';
import { convergeAndReport, setUpFaultsCluster } from './steps.js';
import { seededRandom, suiteSeed, Workload } from './workload.js';

let cluster: FaultsCluster;
const seed = suiteSeed();
const running: Replica[] = [];

beforeAll(async () => {
  process.stderr.write(`faults: seed ${seed} (replay with FAULTS_SEED=${seed})\n`);
  cluster = await setUpFaultsCluster('suite');
}, 180_000);

afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  await stopFaultsCluster(cluster);
}, 60_000);

async function workload(prefix: string, namespaceCount: number, perNamespace: number): Promise<Workload> {
  const w = await Workload.create(cluster.rest, prefix, namespaceCount, seed);
  await w.populate(perNamespace);
  return w;
}

// SIGKILLs and the paused leader first: after an API server restart kube-controller-manager's
// garbage collector takes up to a minute to catch up, which would only slow their orphan checks.
const KILLS = Number(process.env.FAULTS_KILLS ?? 12);

it(`operator SIGKILLed ${KILLS} times at random points during a burst`, async () => {
  const w = await workload('kill', 2, 4);
  const args = operatorArgs(w.namespaces, 'faults-kill', { lease: '2s', renew: '1500ms', retry: '200ms' });
  const scope = scopeOf(w.namespaces, args);
  const random = seededRandom(seed + 1);
  const faultStart = Date.now();
  const changes = w.runUntilStopped(120);
  const killedAt: string[] = [];
  for (let k = 0; k < KILLS; k++) {
    const replica = await startReplica(cluster, 'op-kill', args);
    running.push(replica);
    if (random() < 0.3) {
      await sleep(100 + random() * 1500); // during start-up, list and sync
      killedAt.push(replica.leads() ? 'leading' : 'starting');
    } else {
      await eventually('the replica to lead', async () => (replica.leads() ? true : undefined), 20_000);
      await sleep(random() * 1200); // mid-reconcile
      killedAt.push('leading');
    }
    replica.child.kill('SIGKILL');
    await replica.exited;
  }
  await changes.stop();
  const operator = new Supervisor(cluster, 'op-kill', args);
  await operator.start();
  const killedWhile = {
    leading: killedAt.filter((k) => k === 'leading').length,
    starting: killedAt.filter((k) => k === 'starting').length,
  };
  const end = { cluster, scope, args, seed, faultStart, user: 'op-kill', stop: () => operator.stop() };
  const idleRestart = await convergeAndReport(end, 'sigkill-loop', {
    kills: KILLS,
    killedWhile,
    changes: w.changes,
  });
  expect(idleRestart).toEqual({});
}, 300_000);

const ROUNDS = Number(process.env.FAULTS_PAUSE_ROUNDS ?? 2);

interface Holder {
  spec: { holderIdentity?: string; acquireTime?: string };
}

it('a paused leader makes no write once the standby holds the lease', async () => {
  const w = await workload('pause', 2, 4);
  const leaseName = 'faults-pause';
  const args = operatorArgs(w.namespaces, leaseName, { lease: '3s', renew: '2s', retry: '500ms' });
  const scope = scopeOf(w.namespaces, args);
  const users = Array.from({ length: ROUNDS + 2 }, (_, i) => `op-pause-${i}`);
  let leader = await startReplica(cluster, users[0] as string, args);
  running.push(leader);
  await eventually('the first replica to lead', async () => (leader.leads() ? true : undefined), 30_000);
  let standby = await startReplica(cluster, users[1] as string, args);
  running.push(standby);
  await waitExact(cluster.rest, scope);
  const faultStart = Date.now();

  const rounds: Array<Record<string, unknown>> = [];
  const lateWrites: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await eventually('the standby to be synced', async () =>
      standby.output().includes('informers synced; ready') ? true : undefined,
    );
    // Changes keep coming while the leader is frozen: its watch connections buffer them, and the
    // standby reconciles them once it leads.
    const changes = w.runUntilStopped(80);
    await sleep(300);
    const pausedAt = Date.now();
    leader.child.kill('SIGSTOP');
    await eventually(
      'the standby to take the lease',
      async () => (standby.leads() ? true : undefined),
      20_000,
    );
    const holder = await eventually('the Lease to name the standby', async () => {
      const l = await cluster.rest.get<Holder>(lease(OPERATOR_NAMESPACE, leaseName));
      return l.spec.holderIdentity === standby.identity() ? l : undefined;
    });
    await sleep(1000);
    await changes.stop();
    const resumedAt = Date.now();
    leader.child.kill('SIGCONT');
    const exit = await within(leader.exited, 15_000);
    leader.saveLog();
    await sleep(500); // let the audit log catch up with anything the old leader sent last

    const events = auditEvents(cluster);
    const acquisition = events.find(
      (e) =>
        e.user.username === standby.user &&
        e.stage === 'ResponseComplete' &&
        e.objectRef?.resource === 'leases' &&
        e.objectRef.name === leaseName &&
        (e.verb === 'update' || e.verb === 'create') &&
        e.responseStatus?.code !== undefined &&
        e.responseStatus.code < 300 &&
        receivedAt(e) >= pausedAt,
    );
    if (!acquisition)
      throw new Error(`round ${round}: no successful Lease write by ${standby.user} in the audit log`);
    const late = events.filter(
      (e) =>
        e.user.username === leader.user &&
        e.stage === 'ResponseComplete' &&
        WRITE_VERBS.has(e.verb) &&
        (e.responseStatus?.code ?? 0) < 300 &&
        receivedAt(e) >= receivedAt(acquisition),
    );
    const describe = (e: AuditEvent) =>
      `round ${round}: ${e.user.username} ${e.verb} ${e.objectRef?.resource}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''} ` +
      `${e.objectRef?.namespace}/${e.objectRef?.name} -> ${e.responseStatus?.code} at ${e.requestReceivedTimestamp} ` +
      `(${receivedAt(e) - receivedAt(acquisition)} ms after the standby acquired the lease)`;
    lateWrites.push(...late.map(describe));
    const attempted = events.filter(
      (e) =>
        e.user.username === leader.user &&
        e.stage === 'ResponseComplete' &&
        WRITE_VERBS.has(e.verb) &&
        receivedAt(e) >= resumedAt,
    );
    rounds.push({
      pausedMs: resumedAt - pausedAt,
      standbyAcquiredAt: acquisition.requestReceivedTimestamp,
      leaseAcquireTime: holder.spec.acquireTime,
      oldLeaderExit: exit,
      oldLeaderWritesAttemptedAfterResume: attempted.length,
      oldLeaderSuccessfulWritesAfterTakeover: late.length,
      lastLateWriteMsAfterTakeover: late.length
        ? receivedAt(late.at(-1) as AuditEvent) - receivedAt(acquisition)
        : 0,
    });
    if (exit === 'timeout') {
      leader.child.kill('SIGKILL');
      throw new Error(
        `round ${round}: the deposed leader ${leader.user} did not exit within 15 s of SIGCONT`,
      );
    }
    leader = standby;
    standby = await startReplica(cluster, users[round + 2] as string, args);
    running.push(standby);
  }

  const stopBoth = async () => {
    for (const r of [leader, standby]) {
      await stopReplica(r);
      r.saveLog();
    }
  };
  const end = { cluster, scope, args, seed, faultStart, user: 'op-pause', users, stop: stopBoth };
  const idleRestart = await convergeAndReport(end, 'paused-leader', { rounds, changes: w.changes });
  expect(lateWrites).toEqual([]);
  expect(idleRestart).toEqual({});
}, 300_000);

it('API server stopped and restarted during a burst of profile changes', async () => {
  const w = await workload('restart', 3, 4);
  const args = operatorArgs(w.namespaces, 'faults-restart');
  const scope = scopeOf(w.namespaces, args);
  const operator = new Supervisor(cluster, 'op-restart', args);
  await operator.start();
  const initialMs = await waitExact(cluster.rest, scope);

  const faultStart = Date.now();
  const changes = w.runUntilStopped(100);
  await sleep(1500);
  await stopApiServer(cluster.dir);
  const downAt = Date.now();
  await sleep(4000);
  await startApiServer(cluster.dir);
  const downMs = Date.now() - downAt;
  await sleep(1500);
  await changes.stop();
  const end = { cluster, scope, args, seed, faultStart, user: 'op-restart', stop: () => operator.stop() };
  // Read after the stop, as before: the supervisor's restarts up to then.
  const idleRestart = await convergeAndReport(end, 'apiserver-restart', () => ({
    changes: w.changes,
    apiServerDownMs: downMs,
    operatorRestarts: operator.restarts,
    initialConvergeMs: initialMs,
  }));
  expect(idleRestart).toEqual({});
}, 240_000);

/** The watch's resourceVersion query parameter, when the request was a watch. */
const watchedFrom = (e: AuditEvent) =>
  e.verb === 'watch'
    ? Number(new URL(e.requestURI, 'https://x').searchParams.get('resourceVersion') ?? 'NaN')
    : NaN;

it('etcd compaction while the operator watches: a forced 410 Gone, then a relist', async () => {
  // Without the watch cache every watch is served by etcd, so a watch from a compacted revision is
  // refused with 410 Gone (with it, the cache's own window decides, not the compaction).
  await stopApiServer(cluster.dir);
  await startApiServer(cluster.dir, ['--watch-cache=false']);
  try {
    const w = await workload('compact', 2, 4);
    // A lease that outlasts the API server's restart: this fault is about the watch, not leadership.
    const args = operatorArgs(w.namespaces, 'faults-compact', { lease: '60s', renew: '45s', retry: '2s' });
    const scope = scopeOf(w.namespaces, args);
    const operator = new Supervisor(cluster, 'op-compact', args);
    await operator.start();
    await waitExact(cluster.rest, scope);
    await w.burst(10, 100);
    await waitExact(cluster.rest, scope);

    // Move etcd's revision on without touching anything the operator watches, then compact: every
    // resourceVersion the operator holds is now gone from etcd.
    const faultStart = Date.now();
    for (let i = 0; i < 20; i++)
      await cluster.rest.apply(
        `/api/v1/namespaces/${OPERATOR_NAMESPACE}/configmaps/revision-${i}`,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `revision-${i}` }, data: { i: `${i}` } },
        'apptrust-faults-suite',
      );
    const revision = await compactEtcd(cluster.dir);
    const compactedAt = Date.now();
    // Break every watch (a quiet watch would otherwise only end on its own after the inactivity
    // timer): the operator resumes each from its last resourceVersion, which is compacted away.
    await stopApiServer(cluster.dir);
    await startApiServer(cluster.dir, ['--watch-cache=false']);

    // Every collection the operator watches must be watched or listed again; one that resumes from
    // its last resourceVersion meets the 410.
    const collections = [
      'namespaces/',
      ...w.namespaces.flatMap((ns) => [`apptrustprofiles/${ns}`, `networkpolicies/${ns}`]),
    ];
    const collectionOf = (e: AuditEvent) => `${e.objectRef?.resource}/${e.objectRef?.namespace ?? ''}`;
    const since = (events = auditEvents(cluster)) =>
      events.filter(
        (e) =>
          e.user.username === 'op-compact' &&
          receivedAt(e) >= compactedAt &&
          (e.verb === 'list' || (e.verb === 'watch' && e.stage === 'ResponseStarted')),
      );
    const reconnected = await eventually(
      'the operator to watch or list every collection again after the compaction',
      async () => {
        const seen = new Set(since().map(collectionOf));
        return collections.every((c) => seen.has(c)) ? true : undefined;
      },
      75_000,
      500,
    ).catch((e: Error) => e);

    await w.burst(10, 100);
    let gone: AuditEvent[] = [];
    let relists: AuditEvent[] = [];
    const end = { cluster, scope, args, seed, faultStart, user: 'op-compact', stop: () => operator.stop() };
    const idleRestart = await convergeAndReport(end, 'etcd-compaction', (events) => {
      gone = since(events).filter((e) => watchedFrom(e) < revision);
      relists = listsBy(events, { users: ['op-compact'], from: compactedAt });
      return {
        compactedRevision: revision,
        watchesFromCompactedRevision: gone.length,
        relistsAfterCompaction: relists.length,
      };
    });
    expect(idleRestart).toEqual({});
    if (reconnected instanceof Error) throw reconnected;
    // The fault must really have happened: the operator resumed a watch from a compacted
    // revision (410 Gone) and relisted that collection afterwards.
    if (gone.length === 0)
      throw new Error(
        `no 410 was forced: after the compaction the operator never resumed a watch from its last ` +
          `resourceVersion (< ${revision}); it listed ${relists.length} times instead: ` +
          relists.map((e) => `${collectionOf(e)}@${e.requestReceivedTimestamp}`).join(', '),
      );
    for (const g of gone)
      expect(relists.some((l) => collectionOf(l) === collectionOf(g) && receivedAt(l) >= receivedAt(g))).toBe(
        true,
      );
  } finally {
    await stopApiServer(cluster.dir);
    await startApiServer(cluster.dir);
  }
}, 300_000);
