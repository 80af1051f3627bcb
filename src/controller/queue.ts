// A keyed work queue with client-go's semantics: a key waits in the queue at most once (dedupe),
// is processed by at most one worker at a time (a key added while in flight is processed again
// afterwards), and failures retry with per-key exponential backoff (5 ms -> 1000 s).

export interface QueueMetrics {
  depth(n: number): void;
  added(): void;
  retried(): void;
}

const NO_METRICS: QueueMetrics = { depth: () => {}, added: () => {}, retried: () => {} };

/**
 * What a reconcile asks of the queue: nothing (done), a look again after a delay, or `retry`: again
 * with the per-key backoff but without counting as an error (e.g. a 409 from a stale cache).
 */
export type Outcome = { requeueAfterMs?: number; retry?: boolean } | undefined;
export type Worker = (key: string) => Promise<Outcome>;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Keys waiting out their batch window (addBatched). */
  private readonly batching = new Map<string, NodeJS.Timeout>();
  private active = 0;
  private shuttingDown = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly worker: Worker,
    private readonly concurrency: number,
    private readonly onError: (key: string, error: unknown) => void,
    private readonly metrics: QueueMetrics = NO_METRICS,
    private readonly baseDelayMs = 5,
    private readonly maxDelayMs = 1_000_000,
  ) {}

  add(key: string): void {
    if (this.shuttingDown) return;
    this.metrics.added();
    if (this.inFlight.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.metrics.depth(this.queue.length);
    this.pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, delayMs),
    );
  }

  /**
   * Adds `key` `windowMs` after the first call of a burst; the calls meanwhile fold into that one,
   * so a burst of events (a namespace's policies written one by one) costs one reconcile.
   */
  addBatched(key: string, windowMs: number): void {
    if (this.shuttingDown || this.batching.has(key)) return;
    this.batching.set(
      key,
      setTimeout(() => {
        this.batching.delete(key);
        this.add(key);
      }, windowMs),
    );
  }

  private addRateLimited(key: string): void {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.metrics.retried();
    this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** failures));
  }

  /** Nothing queued, batched or in flight (delayed re-adds may still be pending). */
  get idle(): boolean {
    return this.queue.length === 0 && this.active === 0 && this.batching.size === 0;
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.metrics.depth(this.queue.length);
      this.inFlight.add(key);
      this.active++;
      void this.process(key);
    }
    if (this.active === 0 && this.queue.length === 0)
      for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async process(key: string): Promise<void> {
    try {
      const outcome = await this.worker(key);
      if (outcome?.retry) this.addRateLimited(key);
      else {
        this.failures.delete(key);
        if (outcome?.requeueAfterMs !== undefined) this.addAfter(key, outcome.requeueAfterMs);
      }
    } catch (error) {
      this.onError(key, error);
      this.addRateLimited(key);
    } finally {
      this.inFlight.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }

  /** Stops taking work and resolves when in-flight work has finished. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const timer of [...this.timers.values(), ...this.batching.values()]) clearTimeout(timer);
    this.timers.clear();
    this.batching.clear();
    this.queue.length = 0;
    this.queued.clear();
    if (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
