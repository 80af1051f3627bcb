import { operatorArgs, scopeOf } from './checks.js';
import { waitExact } from './exact-state.js';
import {
  type AuditEvent,
  auditEvents,
  type FaultsCluster,
  listsBy,
  type Replica,
  report,
  sleep,
  startReplica,
  stopFaultsCluster,
  stopReplica,
} from './harness.js';
import { setUpFaultsCluster } from './steps.js';
import { suiteSeed, Workload } from './workload.js';

const IDLE_SECONDS = Number(process.env.FAULTS_IDLE_SECONDS ?? 130);
let cluster: FaultsCluster;
let replica: Replica | undefined;

beforeAll(async () => {
  cluster = await setUpFaultsCluster('idle');
}, 180_000);

afterAll(async () => {
  if (replica && replica.child.exitCode === null) replica.child.kill('SIGKILL');
  await stopFaultsCluster(cluster);
}, 60_000);

const describe = (e: AuditEvent) =>
  `${e.verb} ${e.objectRef?.resource} ${e.objectRef?.namespace ?? '(all namespaces)'} at ${e.requestReceivedTimestamp}`;

it(
  `an idle operator lists nothing after its first LIST and logs no warning for ${IDLE_SECONDS} s`,
  async () => {
    const w = await Workload.create(cluster.rest, 'idle', 2, suiteSeed());
    await w.populate(3);
    const args = operatorArgs(w.namespaces, 'faults-idle');
    replica = await startReplica(cluster, 'op-idle', args);
    await waitExact(cluster.rest, scopeOf(w.namespaces, args));
    await sleep(2000);

    const quietFrom = Date.now();
    await sleep(IDLE_SECONDS * 1000);
    const quietTo = Date.now();
    const events = auditEvents(cluster);
    const initial = listsBy(events, { users: ['op-idle'], to: quietFrom });
    const idle = listsBy(events, { users: ['op-idle'], from: quietFrom, to: quietTo });
    const watches = events.filter(
      (e) => e.user.username === 'op-idle' && e.verb === 'watch' && e.stage === 'ResponseStarted',
    );
    const warnings = replica.warnings();
    await stopReplica(replica);
    replica.saveLog();
    report('idle-operator', {
      idleSeconds: IDLE_SECONDS,
      initialLists: initial.length,
      listsWhileIdle: idle.length,
      watchRequestsInTotal: watches.length,
      warnings: warnings.length,
    });
    expect(initial.length).toBeGreaterThan(0); // control: the audit log does see this operator's LISTs
    expect(idle.map(describe)).toEqual([]);
    expect(warnings).toEqual([]);
  },
  (IDLE_SECONDS + 180) * 1000,
);
