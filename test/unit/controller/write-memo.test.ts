// WriteMemo: our writes remembered until the informer shows them.
import { PENDING_TTL_MS, WriteMemo } from '../../../src/controller/write-memo.js';

const memoAt = (now: { ms: number }) => new WriteMemo(() => now.ms);

describe('isPending', () => {
  it('holds while the cache still shows the version our write replaced, for exactly that content', () => {
    const memo = memoAt({ ms: 0 });
    memo.remember('ns/a', '5', 'A2', '6');
    expect(memo.isPending('ns/a', '5', 'A2')).toBe(true);
    expect(memo.isPending('ns/a', '5', 'A3')).toBe(false); // a different write is wanted now
    expect(memo.isPending('ns/a', '6', 'A2')).toBe(false); // the cache moved on
    expect(memo.isPending('ns/b', '5', 'A2')).toBe(false);
  });

  it('a create is based on "absent" (undefined)', () => {
    const memo = memoAt({ ms: 0 });
    memo.remember('ns/a', undefined, 'A', '1');
    expect(memo.isPending('ns/a', undefined, 'A')).toBe(true);
    expect(memo.isPending('ns/a', '1', 'A')).toBe(false);
  });

  it('stops after the TTL (an echo a relist skipped must not hide the object forever)', () => {
    const now = { ms: 1_000 };
    const memo = memoAt(now);
    memo.remember('ns/a', undefined, 'A', '1');
    now.ms += PENDING_TTL_MS - 1;
    expect(memo.isPending('ns/a', undefined, 'A')).toBe(true);
    now.ms += 1;
    expect(memo.isPending('ns/a', undefined, 'A')).toBe(false);
  });

  it('a later write of the same key replaces the earlier one (and restarts its TTL)', () => {
    const now = { ms: 0 };
    const memo = memoAt(now);
    memo.remember('ns/a', '1', 'A', '2');
    now.ms += PENDING_TTL_MS - 1;
    memo.remember('ns/a', '2', 'B', '3');
    expect(memo.size).toBe(1);
    expect(memo.isPending('ns/a', '1', 'A')).toBe(false);
    now.ms += 10;
    expect(memo.isPending('ns/a', '2', 'B')).toBe(true);
  });
});

describe('settle', () => {
  it('is true for the echo of our write, and the entry goes', () => {
    const memo = memoAt({ ms: 0 });
    memo.remember('ns/a', '5', 'A', '6');
    expect(memo.settle('ns/a', '6')).toBe(true);
    expect(memo.size).toBe(0);
    expect(memo.settle('ns/a', '6')).toBe(false);
    expect(memo.isPending('ns/a', '5', 'A')).toBe(false);
  });

  it('is false for any other event, and the entry goes too (the cache moved on)', () => {
    const memo = memoAt({ ms: 0 });
    memo.remember('ns/a', '5', 'A', '6');
    expect(memo.settle('ns/a', '7')).toBe(false);
    expect(memo.size).toBe(0);
  });

  it('is false when the API server gave no version, and for an unknown key', () => {
    const memo = memoAt({ ms: 0 });
    memo.remember('ns/a', '5', 'A', undefined);
    expect(memo.settle('ns/a', undefined)).toBe(false);
    expect(memo.settle('ns/zzz', '1')).toBe(false);
  });
});

it('forget drops an entry', () => {
  const memo = memoAt({ ms: 0 });
  memo.remember('ns/a', '5', 'A', '6');
  memo.forget('ns/a');
  expect(memo.isPending('ns/a', '5', 'A')).toBe(false);
  expect(memo.size).toBe(0);
});

it('is bounded (50,000 entries): the oldest goes first', () => {
  const memo = memoAt({ ms: 0 });
  for (let i = 0; i <= 50_000; i++) memo.remember(`ns/p${i}`, undefined, 'x', '1');
  expect(memo.size).toBe(50_000);
  expect(memo.isPending('ns/p0', undefined, 'x')).toBe(false);
  expect(memo.isPending('ns/p1', undefined, 'x')).toBe(true);
  expect(memo.isPending('ns/p50000', undefined, 'x')).toBe(true);
});

describe('a write on the wire (begin)', () => {
  it('its echo arriving before the response is held, then recognised: nothing to look at, nothing pending', () => {
    const memo = memoAt({ ms: 0 });
    memo.begin('ns/a');
    expect(memo.settle('ns/a', '6')).toBe(true); // held: no reaction yet
    expect(memo.remember('ns/a', '5', 'A', '6')).toBe(false); // it was our echo
    expect(memo.size).toBe(0);
    expect(memo.isPending('ns/a', '5', 'A')).toBe(false);
  });

  it("someone else's change seen meanwhile: remember says to look again", () => {
    const memo = memoAt({ ms: 0 });
    memo.begin('ns/a');
    expect(memo.settle('ns/a', '6')).toBe(true);
    expect(memo.settle('ns/a', '7')).toBe(true);
    expect(memo.remember('ns/a', '5', 'A', '6')).toBe(true);
    expect(memo.settle('ns/a', '8')).toBe(false); // no longer held
  });

  it('no event meanwhile: remembered as before, and its later echo settles', () => {
    const memo = memoAt({ ms: 0 });
    memo.begin('ns/a');
    expect(memo.remember('ns/a', '5', 'A', '6')).toBe(false);
    expect(memo.isPending('ns/a', '5', 'A')).toBe(true);
    expect(memo.settle('ns/a', '6')).toBe(true);
  });

  it('a failed write: cancel says whether events came meanwhile; nothing stays held', () => {
    const memo = memoAt({ ms: 0 });
    memo.begin('ns/a');
    expect(memo.cancel('ns/a')).toBe(false);
    memo.begin('ns/a');
    memo.settle('ns/a', '9');
    expect(memo.cancel('ns/a')).toBe(true);
    expect(memo.settle('ns/a', '10')).toBe(false);
  });

  it('clear and forget drop held writes too', () => {
    const memo = memoAt({ ms: 0 });
    memo.begin('ns/a');
    memo.begin('ns/b');
    memo.clear();
    expect(memo.settle('ns/a', '1')).toBe(false);
    memo.begin('ns/b');
    memo.forget('ns/b');
    expect(memo.settle('ns/b', '1')).toBe(false);
  });
});
