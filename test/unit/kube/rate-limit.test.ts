// TokenBucket on Jest's fake clock: when each take() resolves, in fake milliseconds.
import { afterEach, beforeEach, jest } from '@jest/globals';
import { TokenBucket } from '../../../src/kube/rate-limit.js';

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});
afterEach(() => {
  jest.useRealTimers();
});

const bucket = (qps: number, burst: number) => new TokenBucket(qps, burst, () => Date.now());

/** Starts `n` takes now; the returned list fills with each one's resolve time, in resolve order. */
function takes(b: TokenBucket, n: number, label = (i: number) => i): Array<[number, number]> {
  const resolved: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) void b.take().then(() => resolved.push([label(i), Date.now()]));
  return resolved;
}

it('lets a burst through at once, then paces at qps', async () => {
  const resolved = takes(bucket(10, 3), 6);
  await jest.advanceTimersByTimeAsync(0);
  expect(resolved).toEqual([
    [0, 0],
    [1, 0],
    [2, 0],
  ]);
  await jest.advanceTimersByTimeAsync(1_000);
  expect(resolved.slice(3)).toEqual([
    [3, 100],
    [4, 200],
    [5, 300],
  ]);
});

it('saves up at most `burst` tokens while idle', async () => {
  const b = bucket(10, 3);
  await jest.advanceTimersByTimeAsync(60_000);
  const resolved = takes(b, 4);
  await jest.advanceTimersByTimeAsync(0);
  expect(resolved.map(([i]) => i)).toEqual([0, 1, 2]);
  await jest.advanceTimersByTimeAsync(100);
  expect(resolved.at(-1)).toEqual([3, 60_100]);
});

it('serves waiters first come, first served: a new take never overtakes one that waits', async () => {
  const b = bucket(10, 1);
  const resolved = takes(b, 2, (i) => i); // 0 at once, 1 waits
  await jest.advanceTimersByTimeAsync(0);
  jest.setSystemTime(150); // a token is due, but the timer has not run yet
  void b.take().then(() => resolved.push([2, Date.now()]));
  await jest.advanceTimersByTimeAsync(300);
  expect(resolved.map(([i]) => i)).toEqual([0, 1, 2]);
  expect(resolved[2]?.[1]).toBeGreaterThanOrEqual(200);
});

it('0 qps is unlimited', async () => {
  const resolved = takes(bucket(0, 1), 1_000);
  await jest.advanceTimersByTimeAsync(0);
  expect(resolved).toHaveLength(1_000);
  expect(resolved.every(([, t]) => t === 0)).toBe(true);
});

it('a best-effort bucket does not keep the process alive while takers wait (Events: the run can end)', async () => {
  const timerOf = (b: TokenBucket) => (b as unknown as { timer: NodeJS.Timeout | undefined }).timer;
  const bestEffort = new TokenBucket(1, 1, () => Date.now(), false);
  const kept = bucket(1, 1);
  for (const b of [bestEffort, kept]) takes(b, 2, (i) => i); // the second take waits on the timer
  expect(timerOf(bestEffort)?.hasRef()).toBe(false);
  expect(timerOf(kept)?.hasRef()).toBe(true);
  await jest.advanceTimersByTimeAsync(1_000); // both still deliver
  expect(timerOf(bestEffort)).toBeUndefined();
});
