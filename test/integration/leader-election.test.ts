// Two operator instances: one leader writes; when it dies without releasing the lease, the other
// takes over after the lease expires. A graceful stop releases the lease at once.
import type { Operator } from '../../src/controller/operator.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { startTestOperator } from '../helpers/operator.js';

const FAST = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };
let rest: KubeRest;
let leaseNs: string;
const running: Operator[] = [];

beforeAll(async () => {
  rest = testRest();
  leaseNs = await createNamespace(rest, 'lease');
});
afterAll(async () => {
  for (const op of running) await op.stop();
  await deleteNamespace(rest, leaseNs);
});

function candidate(identity: string): Operator {
  const { operator } = startTestOperator(
    [
      '--leader-elect=true',
      `--lease-namespace=${leaseNs}`,
      '--baseline=false',
      `--watch-namespaces=${leaseNs}`,
    ],
    { identity, leaderTimings: FAST },
  );
  running.push(operator);
  return operator;
}

it('elects exactly one leader, and the other takes over when the leader dies', async () => {
  const a = candidate('a');
  const b = candidate('b');
  const leader = await eventually('a leader', async () =>
    a.isLeader || b.isLeader ? (a.isLeader ? a : b) : undefined,
  );
  const follower = leader === a ? b : a;
  await new Promise((r) => setTimeout(r, 1000));
  expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
  expect(follower.isLeader).toBe(false);

  // "Kill" the leader: it stops renewing but does not release the lease.
  (leader as unknown as { elector: { stopped: boolean; timer: NodeJS.Timeout } }).elector.stopped = true;
  clearTimeout((leader as unknown as { elector: { timer: NodeJS.Timeout } }).elector.timer);
  const started = Date.now();
  await eventually('follower to take over', async () => (follower.isLeader ? true : undefined), 15_000);
  expect(Date.now() - started).toBeGreaterThan(1000); // it waited for the lease to expire
});

it('a graceful stop releases the lease so a successor takes over quickly', async () => {
  const c = candidate('c');
  const leader = running.find((op) => op.isLeader);
  expect(leader).toBeDefined();
  for (const op of running.filter((o) => o !== c)) await op.stop();
  const started = Date.now();
  await eventually('c to lead', async () => (c.isLeader ? true : undefined), 10_000);
  expect(Date.now() - started).toBeLessThan(2500);
});
