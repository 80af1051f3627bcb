import { type Outcome, WorkQueue } from '../../../src/controller/queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(2);
  }
}

/** A queue whose every run takes `ms` and records how many ran and the most that ran at once. */
function countingQueue(concurrency: number, ms: number) {
  const seen = { calls: 0, running: 0, maxRunning: 0 };
  const queue = new WorkQueue(
    async () => {
      seen.calls++;
      seen.running++;
      seen.maxRunning = Math.max(seen.maxRunning, seen.running);
      await sleep(ms);
      seen.running--;
      return undefined;
    },
    concurrency,
    () => {},
  );
  return { queue, seen };
}

describe('WorkQueue', () => {
  it('dedupes a key that is already waiting', async () => {
    const seen: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const queue = new WorkQueue(
      async (key) => {
        seen.push(key);
        if (key === 'blocker') await gate;
        return undefined;
      },
      1,
      () => {},
    );
    queue.add('blocker'); // occupies the only worker
    queue.add('a');
    queue.add('a');
    queue.add('a');
    release();
    await until(() => queue.idle);
    expect(seen).toEqual(['blocker', 'a']);
  });

  it('never runs one key twice at once, and re-runs a key added while in flight', async () => {
    const { queue, seen } = countingQueue(4, 20);
    queue.add('k');
    await sleep(5);
    queue.add('k'); // in flight: marked dirty, processed once more afterwards
    queue.add('k');
    await until(() => queue.idle && seen.calls === 2);
    await sleep(30);
    expect(seen.calls).toBe(2);
    expect(seen.maxRunning).toBe(1);
  });

  it('runs at most `concurrency` keys at once', async () => {
    const { queue, seen } = countingQueue(2, 10);
    for (const k of ['a', 'b', 'c', 'd', 'e']) queue.add(k);
    await until(() => queue.idle);
    expect(seen.maxRunning).toBe(2);
  });

  it('retries failures with per-key exponential backoff and forgets them after a success', async () => {
    const times: number[] = [];
    const errors: string[] = [];
    const queue = new WorkQueue(
      async () => {
        times.push(Date.now());
        if (times.length <= 3) throw new Error(`fail ${times.length}`);
        return undefined;
      },
      1,
      (key, error) => errors.push(`${key}: ${(error as Error).message}`),
      undefined,
      20, // base delay: 20, 40, 80 ms
    );
    queue.add('k');
    await until(() => times.length === 4, 3000);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    expect(errors).toEqual(['k: fail 1', 'k: fail 2', 'k: fail 3']);
    // After the success the failure count is reset: the next failure waits the base delay again.
    expect((queue as unknown as { failures: Map<string, number> }).failures.has('k')).toBe(false);
  });

  it('requeues after the delay a reconcile asks for', async () => {
    let calls = 0;
    const queue = new WorkQueue(
      async (): Promise<Outcome> => {
        calls++;
        return calls === 1 ? { requeueAfterMs: 20 } : undefined;
      },
      1,
      () => {},
    );
    queue.add('k');
    await until(() => calls === 2);
    expect(calls).toBe(2);
  });

  it('shutdown finishes in-flight work, drops queued work and takes no more', async () => {
    const done: string[] = [];
    const queue = new WorkQueue(
      async (key) => {
        await sleep(20);
        done.push(key);
        return undefined;
      },
      1,
      () => {},
    );
    queue.add('first');
    queue.add('second');
    await sleep(5);
    await queue.shutdown();
    queue.add('third');
    await sleep(40);
    expect(done).toEqual(['first']);
  });
});

describe('addBatched', () => {
  /** A queue whose worker only records the keys it ran. */
  function recording() {
    const runs: string[] = [];
    const queue = new WorkQueue(
      async (key) => {
        runs.push(key);
        return undefined;
      },
      2,
      () => {},
    );
    return { runs, queue };
  }

  it('a burst of adds within the window is one run, after the window; the queue is not idle meanwhile', async () => {
    const { runs, queue } = recording();
    queue.addBatched('ns', 40);
    queue.addBatched('ns', 40);
    await sleep(10);
    queue.addBatched('ns', 40);
    expect(queue.idle).toBe(false);
    expect(runs).toEqual([]);
    await sleep(60);
    expect(runs).toEqual(['ns']);
    expect(queue.idle).toBe(true);
    queue.addBatched('ns', 10); // a new burst: a new window
    await sleep(30);
    expect(runs).toEqual(['ns', 'ns']);
    await queue.shutdown();
  });

  it('shutdown drops a waiting batch', async () => {
    const { runs, queue } = recording();
    queue.addBatched('ns', 20);
    await queue.shutdown();
    await sleep(40);
    expect(runs).toEqual([]);
  });
});
