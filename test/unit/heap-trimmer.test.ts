// The heap trimmer: one memory-pressure collection when a burst of writes has paused, never during
// one, never for a trickle, and only where V8's collection can be had.
import { runInNewContext } from 'node:vm';
import { type Collect, HeapTrimmer, memoryPressureCollect } from '../../src/heap-trimmer.js';

const MB = 2 ** 20;

function rig(minWrites = 100, pauseMs = 2_000) {
  const state = { writes: 0, msSinceWrite: Number.POSITIVE_INFINITY, collected: 0, rss: 200 * MB };
  const collect: Collect = () => {
    state.collected++;
    state.rss = 100 * MB; // what the collection gives back
  };
  const trimmed: number[] = [];
  const trimmer = new HeapTrimmer(
    { writes: () => state.writes, msSinceWrite: () => state.msSinceWrite },
    collect,
    (t) => trimmed.push(t.writes),
    { minWrites, minGrowthBytes: 24 * MB, pauseMs, checkMs: 1_000 },
    () => state.rss,
  );
  return { state, trimmer, trimmed };
}

it('collects once after a burst, when writes have paused, and not again until the next burst', () => {
  const { state, trimmer, trimmed } = rig();
  state.writes = 3_000;
  state.msSinceWrite = 10; // still writing
  expect(trimmer.check()).toBe(false);
  state.msSinceWrite = 2_500;
  expect(trimmer.check()).toBe(true);
  expect(trimmer.check()).toBe(false); // nothing new since
  state.writes += 99; // a trickle
  expect(trimmer.check()).toBe(false);
  state.writes += 1;
  expect(trimmer.check()).toBe(true);
  expect(state.collected).toBe(2);
  expect(trimmed).toEqual([3_000, 100]);
});

it('after a trim, also collects for fewer writes that grew RSS well past what it left', () => {
  const { state, trimmer, trimmed } = rig();
  state.writes = 1_000;
  expect(trimmer.check()).toBe(true); // RSS now 100 MB
  state.writes += 10;
  state.rss = 120 * MB; // +20 MB: not enough
  expect(trimmer.check()).toBe(false);
  state.rss = 130 * MB; // +30 MB
  state.msSinceWrite = 10;
  expect(trimmer.check()).toBe(false); // still writing
  state.msSinceWrite = 2_500;
  expect(trimmer.check()).toBe(true);
  expect(trimmed).toEqual([1_000, 10]);
  state.rss = 200 * MB; // grown, but no write since: an idle process is left alone
  expect(trimmer.check()).toBe(false);
});

it('does nothing where the collection cannot be had', () => {
  const trimmer = new HeapTrimmer({ writes: () => 10_000, msSinceWrite: () => 60_000 }, undefined);
  expect(trimmer.check()).toBe(false);
  trimmer.start(); // no timer either
  trimmer.stop();
});

it('gets V8 collection without --expose-gc, and leaves no gc() behind for other code', () => {
  const collect = memoryPressureCollect();
  expect(collect).toBeInstanceOf(Function);
  (collect as Collect)();
  // --expose-gc was on only while its own context was made: a context made now has no gc().
  expect(runInNewContext('typeof gc')).toBe('undefined');
  expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
});
