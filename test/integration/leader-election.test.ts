// Two operator instances in-process: exactly one leads; a graceful stop releases the lease at once.
import type { Operator } from '../../src/controller/operator.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { deleteNamespace, eventually, withTestNamespace } from '../helpers/cluster.js';
import { startTestOperator } from '../helpers/operator.js';

const FAST = [
  '--leader-elect-lease-duration=3s',
  '--leader-elect-renew-deadline=2s',
  '--leader-elect-retry-period=300ms',
];
let rest: KubeRest;
let leaseNs: string;
const running: Operator[] = [];

beforeAll(async () => ({ rest, ns: leaseNs } = await withTestNamespace('lease')));
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
      ...FAST,
    ],
    { identity },
  );
  running.push(operator);
  return operator;
}

// A leader killed without releasing (SIGKILL) is covered with real processes in main-process.test.ts.
it('elects exactly one leader', async () => {
  const a = candidate('a');
  const b = candidate('b');
  const leader = await eventually('a leader', async () =>
    a.isLeader || b.isLeader ? (a.isLeader ? a : b) : undefined,
  );
  const follower = leader === a ? b : a;
  await new Promise((r) => setTimeout(r, 1000));
  expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
  expect(follower.isLeader).toBe(false);
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
