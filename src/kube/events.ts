// events.k8s.io/v1 Events, deduplicated: the same (object, reason, note) is sent at most once per
// window, so a flapping object cannot flood the API server. Failures to record are logged only.
// Events are the lowest priority: they leave through a token bucket of their own and a bounded
// queue (client-go's broadcaster drops past 1,000 too), so a cold start that applies thousands of
// profiles enforces first and reports after, instead of spending a third of its writes on Events.
// While the operator's first pass over every object runs, Normal Events wait altogether (`holdNormal`):
// each is a write the API server must make (at 1,000 profiles, 100 at once and 20 a second came to
// ~200 of the cold start's ~3,200 writes). Later, a Normal Event yields to the operator's enforcing
// writes: it leaves once they have paused for YIELD_QUIET_MS, or YIELD_MAX_MS after it was recorded.
// Each namespace created gets a BaselineCreated Event; sent at once, it competed on the API server
// with the next namespace's baseline (measured at 5,000 namespaces: new namespace -> baseline p50
// 14.2 ms with the Events, 9.4 ms without, against the floor's 8.3-8.6). Warnings never wait.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { FencedError } from './errors.js';
import { events } from './paths.js';
import { TokenBucket } from './rate-limit.js';
import type { KubeRest } from './rest.js';

export interface Regarding {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** A namespace as the object an Event is about (its uid when known). */
export function namespaceRegarding(ns: { metadata: { name: string; uid?: string } }): Regarding {
  const name = ns.metadata.name;
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    namespace: name,
    name,
    ...(ns.metadata.uid ? { uid: ns.metadata.uid } : {}),
  };
}

export type EventType = 'Normal' | 'Warning';

const MAX_REMEMBERED = 10_000;
/** Events waiting for the limiter; more are dropped (and counted). */
export const MAX_PENDING_EVENTS = 1_000;
/** Events per second, and how many may leave at once. */
export const EVENT_QPS = 20;
export const EVENT_BURST = 100;
/** A Normal Event waits until the operator's enforcing writes have paused this long... */
export const YIELD_QUIET_MS = 100;
/** ...and no longer than this after it was recorded (a busy operator still reports). */
export const YIELD_MAX_MS = 2_000;

export class EventRecorder {
  private readonly recent = new Map<string, number>();
  private readonly pending: Array<{
    type: EventType;
    namespace: string;
    reason: string;
    body: unknown;
    recordedAt: number;
  }> = [];
  /** Holds in force (`holdNormal`): while any is, only Warnings leave. */
  private holds = 0;
  /** Paced Events never hold a process (or a test run) open: what is still queued at exit is dropped. */
  private readonly limiter = new TokenBucket(EVENT_QPS, EVENT_BURST, undefined, false);
  private draining = false;
  /** Ends the drain loop's wait for a pause in the writes early (a Warning arrived). */
  private wake: (() => void) | undefined;
  /** Events dropped because the queue was full. */
  dropped = 0;

  constructor(
    private readonly rest: KubeRest,
    private readonly instance: string,
    private readonly log: Logger,
    private readonly windowMs = 10 * 60_000,
    private readonly clock: () => number = Date.now,
    private readonly yielding = { quietMs: YIELD_QUIET_MS, maxMs: YIELD_MAX_MS },
  ) {}

  record(regarding: Regarding, type: EventType, reason: string, action: string, note: string): void {
    // Dropped before anything is hashed or remembered: at 5,000 profiles a cold start records
    // ~10,000 Events into a queue of 1,000, and a dropped Event must not silence its repeat.
    if (this.pending.length >= MAX_PENDING_EVENTS) {
      this.dropped++;
      this.log.debug(
        { reason, regarding: `${regarding.namespace}/${regarding.name}` },
        'event dropped: queue full',
      );
      return;
    }
    // A digest, not the note itself: the dedupe map would otherwise hold every note in full.
    const key = createHash('sha256')
      .update(`${regarding.uid ?? `${regarding.namespace}/${regarding.name}`}\u0000${reason}\u0000${note}`)
      .digest('base64');
    const now = this.clock();
    const last = this.recent.get(key);
    if (last !== undefined && now - last < this.windowMs) return;
    if (this.recent.size >= MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value as string);
    this.recent.set(key, now);
    const name = `${regarding.name}.${createHash('sha256').update(`${key}\u0000${now}`).digest('hex').slice(0, 16)}`;
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace: regarding.namespace },
      eventTime: new Date(now).toISOString().replace('Z', '000Z'),
      reportingController: 'apptrust.dev/apptrust-operator',
      reportingInstance: this.instance,
      type,
      reason,
      action,
      note: note.slice(0, 1024),
      regarding,
    };
    this.pending.push({ type, namespace: regarding.namespace, reason, body, recordedAt: performance.now() });
    if (type === 'Warning') this.wake?.();
    void this.drain();
  }

  /**
   * Normal Events wait until `until` settles (they queue, bounded as ever); Warnings still leave at
   * once. Enforcement first: the operator holds them during its first pass over every object.
   */
  holdNormal(until: Promise<unknown>): void {
    this.holds++;
    void until
      .catch(() => undefined)
      .finally(() => {
        this.holds--;
        void this.drain();
      });
  }

  /**
   * The index of the Event to send next: the oldest, or the oldest Warning while Normal ones are
   * held or yield to the operator's writes; -1 when none may leave now.
   */
  private next(): number {
    if (this.holds === 0 && this.yieldMs() === 0) return this.pending.length > 0 ? 0 : -1;
    return this.pending.findIndex((e) => e.type === 'Warning');
  }

  /** How long Normal Events still yield: until the writes pause, at most YIELD_MAX_MS after the oldest. */
  private yieldMs(): number {
    const oldest = this.pending.find((e) => e.type === 'Normal');
    if (!oldest) return 0;
    const busy = this.yielding.quietMs - this.rest.msSinceWrite();
    const left = this.yielding.maxMs - (performance.now() - oldest.recordedAt);
    return Math.max(0, Math.ceil(Math.min(busy, left)));
  }

  /** Sends queued Events as the limiter allows; one drain loop at a time. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    for (;;) {
      if (this.next() < 0) {
        // Held: the hold's end drains again. Yielding: wait for the pause (or a Warning).
        const wait = this.holds === 0 ? this.yieldMs() : 0;
        if (wait === 0) break;
        await this.pause(wait);
        continue;
      }
      await this.limiter.take();
      const index = this.next();
      if (index < 0) continue;
      const [{ namespace, reason, body }] = this.pending.splice(index, 1) as [(typeof this.pending)[number]];
      // Background: the heap trimmer does not count Events as the operator's writes.
      const request = { method: 'POST', path: events(namespace), body, background: true } as const;
      this.rest.request(request).catch((error: unknown) => {
        // Fenced: this replica is stepping down; the new leader reports from here on.
        if (error instanceof FencedError)
          this.log.debug({ err: error, reason }, 'event not recorded: fenced');
        else this.log.warn({ err: error, reason }, 'could not record event');
      });
    }
    this.draining = false;
  }

  /** Unref'd, like the limiter: a waiting Event never holds a process (or a test run) open. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), ms);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
    });
  }
}
