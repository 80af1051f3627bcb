// Gives memory back after a burst of work. V8 grows its heap for a burst (a cold start applying
// thousands of profiles, a mass change) and keeps it: without help, RSS after a 1,000-profile cold
// start stays ~50-65 MB above the empty operator while the caches hold ~10 MB. Holding the heap small
// all the time (--optimize-for-size, 2 MB semi-spaces) cost ~45 % more CPU on the cold start, CPU
// the API server needs on a small control plane. So the operator runs without them (src/node-flags.ts)
// and, once its writes have paused after a burst, asks V8 once for the collection it makes under memory
// pressure (all available garbage, compaction, the young generation shrunk), which returns the
// freed pages to the system.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The V8 collection a burst ends with. */
export type Collect = () => void;

/** What the trimmer watches: the operator's enforcing writes (KubeRest). */
export interface WriteActivity {
  /** Enforcing writes so far. */
  writes(): number;
  /** Milliseconds since the last one. */
  msSinceWrite(): number;
}

export interface TrimSettings {
  /** Writes since the last trim that make a burst. */
  minWrites: number;
  /** Or: RSS grown this much since the last trim, with any writes since. */
  minGrowthBytes: number;
  /** How long writes must have paused. */
  pauseMs: number;
  /** How often to look. */
  checkMs: number;
}

export const DEFAULT_TRIM: TrimSettings = {
  minWrites: 500,
  // Half of what a young generation of 16 MB semi-spaces can grow back to. At 5,000 profiles, a
  // hundred profile changes and thirty new namespaces after the cold start's trim grew RSS by 22-24 MB
  // in fewer than 500 writes: 24 MB let that stay (measured, make bench).
  minGrowthBytes: 16 * 2 ** 20,
  pauseMs: 2_000,
  checkMs: 1_000,
};

/**
 * V8's gc(), obtained without starting Node with --expose-gc (which would also hand it to every
 * module): the flag is read when a context is created, so a fresh context has it. It is turned off
 * again at once, so no other context gets it.
 */
export function memoryPressureCollect(): Collect | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as ((options?: object) => void) | undefined;
    setFlagsFromString('--no-expose-gc');
    if (typeof gc !== 'function') return undefined;
    // 'last-resort': the collection V8 makes under memory pressure (several rounds, compaction,
    // new space shrunk). A plain major collection frees the objects but keeps the pages.
    return () => gc({ type: 'major', flavor: 'last-resort' });
  } catch {
    return undefined;
  }
}

export interface Trimmed {
  writes: number;
  ms: number;
  rssBefore: number;
  rssAfter: number;
}

export class HeapTrimmer {
  private timer: NodeJS.Timeout | undefined;
  private writesAtLastTrim = 0;
  /** RSS right after the last trim (0: none yet, so only a burst of writes trims first). */
  private rssAfterLastTrim = 0;

  constructor(
    private readonly activity: WriteActivity,
    private readonly collect: Collect | undefined,
    private readonly onTrim: (trimmed: Trimmed) => void = () => {},
    private readonly settings: TrimSettings = DEFAULT_TRIM,
    private readonly rss: () => number = () => process.memoryUsage.rss(),
  ) {}

  start(): void {
    if (!this.collect || this.timer) return;
    this.timer = setInterval(() => this.check(), this.settings.checkMs);
    this.timer.unref(); // never holds the process open
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Trims when writes have paused after a burst: many writes, or fewer that grew RSS well past what
   * the last trim left. Returns whether it did.
   */
  check(): boolean {
    const writes = this.activity.writes();
    const burst = writes - this.writesAtLastTrim;
    if (!this.collect || burst === 0 || this.activity.msSinceWrite() < this.settings.pauseMs) return false;
    const rssBefore = this.rss();
    const grown =
      this.rssAfterLastTrim > 0 && rssBefore - this.rssAfterLastTrim >= this.settings.minGrowthBytes;
    if (burst < this.settings.minWrites && !grown) return false;
    this.writesAtLastTrim = writes;
    const started = performance.now();
    this.collect();
    this.rssAfterLastTrim = this.rss();
    this.onTrim({
      writes: burst,
      ms: performance.now() - started,
      rssBefore,
      rssAfter: this.rssAfterLastTrim,
    });
    return true;
  }
}
