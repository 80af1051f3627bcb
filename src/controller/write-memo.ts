// Our own writes, remembered until the informer shows them (client-go's "expectations" idea).
// Two uses: an informer event that is only the echo of our write does not re-queue anything, and
// a reconcile that runs before the cache caught up does not send the same write again.

interface Written {
  /** resourceVersion the cache showed when we wrote (undefined: the object did not exist). */
  basedOn: string | undefined;
  /** What we wrote, in a comparable form. */
  content: string;
  /** resourceVersion the API server gave our write. */
  result: string | undefined;
  /** When we wrote it (monotonic ms). */
  at: number;
}

/** Bounded: an echo that never arrives (a relist skipped it) must not hold memory forever. */
const MAX_ENTRIES = 50_000;
/**
 * How long a write counts as pending without its echo (client-go's expectations timeout). A relist
 * can skip an object's whole life (we create it, someone deletes it, 410): no event ever settles the
 * entry, and without a bound a resync would keep trusting a policy that is gone.
 */
export const PENDING_TTL_MS = 5 * 60_000;

export class WriteMemo {
  private readonly written = new Map<string, Written>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  remember(key: string, basedOn: string | undefined, content: string, result: string | undefined): void {
    this.written.delete(key);
    if (this.written.size >= MAX_ENTRIES) this.written.delete(this.written.keys().next().value as string);
    this.written.set(key, { basedOn, content, result, at: this.clock() });
  }

  /**
   * True when the cache still shows the version our write of `content` replaced: the write is done,
   * only not visible yet, so writing it again would be a duplicate (or a 409).
   */
  isPending(key: string, cachedVersion: string | undefined, content: string): boolean {
    const w = this.written.get(key);
    return (
      w !== undefined &&
      this.clock() - w.at < PENDING_TTL_MS &&
      w.basedOn === cachedVersion &&
      w.content === content
    );
  }

  /**
   * Called for every informer event of `key`: true when the event is the echo of our own write
   * (which then needs no reaction). Any event means the cache has moved on, so the entry goes.
   */
  settle(key: string, version: string | undefined): boolean {
    const w = this.written.get(key);
    if (!w) return false;
    this.written.delete(key);
    return w.result !== undefined && w.result === version;
  }

  /** Drops everything: after a relist, no echo of an earlier write can be relied on. */
  clear(): void {
    this.written.clear();
  }

  forget(key: string): void {
    this.written.delete(key);
  }

  get size(): number {
    return this.written.size;
  }
}
