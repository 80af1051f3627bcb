// Our own writes, remembered until the informer shows them (client-go's "expectations" idea).
// Two uses: an informer event that is only the echo of our write does not re-queue anything, and
// a reconcile that runs before the cache caught up does not send the same write again. A write is
// marked before it is sent (`begin`), as client-go raises expectations before it creates: its echo
// often arrives on the watch before the response, and is then held until the response says whose
// version it was.

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
  /** Keys with a write on the wire: the versions their events showed meanwhile. */
  private readonly inFlight = new Map<string, string[]>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** A write of `key` is about to be sent: its events are held until `remember` or `cancel`. */
  begin(key: string): void {
    this.written.delete(key);
    this.inFlight.set(key, []);
  }

  /** The write failed: true when events came meanwhile (someone else's change: look again). */
  cancel(key: string): boolean {
    const seen = this.inFlight.get(key);
    this.inFlight.delete(key);
    return seen !== undefined && seen.length > 0;
  }

  /**
   * The write succeeded with version `result`. Returns true when an event held meanwhile was not
   * its echo (someone else changed the object too): the caller must look again.
   */
  remember(key: string, basedOn: string | undefined, content: string, result: string | undefined): boolean {
    const seen = this.inFlight.get(key);
    this.inFlight.delete(key);
    if (seen && seen.length > 0) {
      // The echo came first: the cache shows our write already, nothing is pending.
      this.written.delete(key);
      return seen.some((version) => version !== result);
    }
    this.written.delete(key);
    if (this.written.size >= MAX_ENTRIES) this.written.delete(this.written.keys().next().value as string);
    this.written.set(key, { basedOn, content, result, at: this.clock() });
    return false;
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
   * While a write of `key` is on the wire, the event is held (true): `remember` says whose it was.
   */
  settle(key: string, version: string | undefined): boolean {
    const held = this.inFlight.get(key);
    if (held) {
      held.push(version ?? '');
      return true;
    }
    const w = this.written.get(key);
    if (!w) return false;
    this.written.delete(key);
    return w.result !== undefined && w.result === version;
  }

  /** Drops everything: after a relist, no echo of an earlier write can be relied on. */
  clear(): void {
    this.written.clear();
    this.inFlight.clear();
  }

  forget(key: string): void {
    this.written.delete(key);
    this.inFlight.delete(key);
  }

  get size(): number {
    return this.written.size;
  }
}
