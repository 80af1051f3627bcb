// A list-then-watch cache of one resource, in wire shape. Unlike client-node's informer, it never
// stops for good: on 410 Gone it relists at once, on any other error it relists after an
// exponential backoff (client-go's reflector behaviour). Watch events keep the cache current.
// A watch that ends quietly (the server's timeout, or client-node's inactivity timer on a quiet
// cluster) resumes from the last resourceVersion: no LIST, no warning. Objects are slimmed before
// they are stored (managedFields and last-applied copies are most of an object's bytes and never read).
// A list arrives as a stream (the watch's initial events) or, where the API server has no streaming
// lists, in pages of 500 (client-go's reflector's size): either way each object or page is parsed,
// slimmed and filed before the next, so a cold start never holds a whole collection as text or JSON.
import type { Logger } from 'pino';
import { Backoff } from './backoff.js';
import { internStrings } from './intern.js';
import type { KubeAccess } from './kube-access.js';
import { type KubeList, type KubeObject, keyOf } from './objects.js';
import type { KubeRest } from './rest.js';
import { watchStream } from './watch-stream.js';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, object: T, old?: T) => void;

export interface InformerOptions<T extends KubeObject = KubeObject> {
  /** Collection path, e.g. /apis/networking.k8s.io/v1/networkpolicies. */
  path: string;
  labelSelector?: string;
  /** e.g. metadata.name=X: one object, which RBAC can then grant by resourceNames. */
  fieldSelector?: string;
  /** Inactivity after which client-node ends a watch (default WATCH_INACTIVITY_MS; tests shorten it). */
  watchInactivityMs?: number;
  /** What to keep of each object (client-go's SetTransform); default `slim`. */
  transform?: (object: T) => T;
  /** Objects per LIST page (default LIST_PAGE_SIZE), where lists are paged. */
  pageSize?: number;
  /** false: list in pages, never as a stream (tests of the fallback). Default: stream where served. */
  streamingList?: boolean;
}

/** client-go's reflector default: big enough that paging costs few round trips, small enough to hold. */
export const LIST_PAGE_SIZE = 500;

/** An index function: the index values an object is filed under (client-go's IndexFunc). */
export type IndexFunc<T> = (object: T) => readonly string[];

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** What the cache keeps of an object: everything but managedFields and kubectl's last-applied copy. */
export function slim<T extends KubeObject>(object: T): T {
  const meta = object.metadata as T['metadata'] & { managedFields?: unknown };
  if (!meta || (meta.managedFields === undefined && meta.annotations?.[LAST_APPLIED] === undefined))
    return object;
  const { managedFields: _dropped, ...metadata } = meta;
  if (metadata.annotations?.[LAST_APPLIED] !== undefined) {
    const { [LAST_APPLIED]: _copy, ...annotations } = metadata.annotations;
    metadata.annotations = annotations;
  }
  return { ...object, metadata };
}

/**
 * Longer than the API server's bookmark interval (about a minute), so a healthy quiet watch is not
 * cut by the watch's inactivity timer; a dead connection is still noticed within this time.
 */
const WATCH_INACTIVITY_MS = 90_000;

/** The bookmark annotation that ends a streaming list's initial events. */
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';
/** How an API server without streaming lists refuses sendInitialEvents (Bad Request / Invalid). */
const REFUSED = new Set([400, 422]);

const isTimeout = (error: unknown) => (error as { name?: string } | null)?.name === 'TimeoutError';

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly relistHandlers: Array<() => void> = [];
  private readonly backoff = new Backoff(200, 30_000);
  private resourceVersion = '';
  private abort: AbortController | undefined;
  private stopped = false;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private streamingList: boolean;

  constructor(
    private readonly rest: KubeRest,
    private readonly access: KubeAccess,
    private readonly options: InformerOptions<T>,
    private readonly log: Logger,
  ) {
    this.streamingList = options.streamingList ?? true;
  }

  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  /**
   * Called after every list but the first: a gap in the watch (410, an error) was bridged by a
   * fresh list. What lived and died inside the gap sent no event; callers that remember pending
   * writes drop them here and look at everything again.
   */
  onRelist(handler: () => void): void {
    this.relistHandlers.push(handler);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  /** Files every object under `index` by `fn` (add before start). */
  addIndex(index: string, fn: IndexFunc<T>): void {
    this.indexers.set(index, fn);
    this.indices.set(index, new Map());
  }

  /** The objects filed under `value` in `index`: a lookup, not a scan. */
  byIndex(index: string, value: string): T[] {
    const keys = this.indices.get(index)?.get(value);
    return keys ? [...keys].map((k) => this.store.get(k) as T) : [];
  }

  private setObject(key: string, object: T): void {
    const old = this.store.get(key);
    if (old) this.unindex(key, old);
    this.store.set(key, object);
    for (const [index, fn] of this.indexers) {
      const byValue = this.indices.get(index) as Map<string, Set<string>>;
      for (const value of fn(object)) {
        const keys = byValue.get(value) ?? new Set<string>();
        keys.add(key);
        byValue.set(value, keys);
      }
    }
  }

  private deleteObject(key: string): void {
    const old = this.store.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.store.delete(key);
  }

  private unindex(key: string, object: T): void {
    for (const [index, fn] of this.indexers) {
      const byValue = this.indices.get(index) as Map<string, Set<string>>;
      for (const value of fn(object)) {
        const keys = byValue.get(value);
        keys?.delete(key);
        if (keys?.size === 0) byValue.delete(value);
      }
    }
  }

  get size(): number {
    return this.store.size;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    this.stopped = false;
    void this.relist();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.abort?.abort();
  }

  private keep(object: T): T {
    return internStrings((this.options.transform ?? slim)(object));
  }

  private emit(event: InformerEvent, object: T, old?: T): void {
    for (const handler of this.handlers) handler(event, object, old);
  }

  /**
   * A fresh view of the collection: a streaming list (a watch that first sends every object as
   * ADDED, then a bookmark marking the end of the initial events: KEP-3157 "WatchList", served from
   * the API server's watch cache, one object at a time on the same connection the watch goes on
   * with), or, where the API server does not offer it, a LIST in pages and a watch after it.
   */
  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.streamingList) {
        await this.watch(new Set());
        return;
      }
      const seen = new Set<string>();
      const version = await this.listInPages(seen);
      this.listed(seen, version);
      await this.watch();
    } catch (error) {
      this.retryLater(error);
    }
  }

  /** The whole collection has been seen: what was not is gone; the first time, the cache is synced. */
  private listed(seen: ReadonlySet<string>, version: string): void {
    if (seen.size < this.store.size)
      for (const [key, old] of this.store)
        if (!seen.has(key)) {
          this.deleteObject(key);
          this.emit('delete', old);
        }
    this.resourceVersion = version;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    } else for (const handler of this.relistHandlers) handler();
    this.backoff.reset();
  }

  /**
   * Lists page by page into the store, emitting the differences as it goes. Without a
   * resourceVersion: the watch cache answers resourceVersion=0 with the whole collection whatever
   * the limit, so only a consistent read pages. Returns the list's resourceVersion.
   */
  private async listInPages(seen: Set<string>): Promise<string> {
    let next: string | undefined;
    let version = '';
    do {
      const page: KubeList<T> = await this.rest.get<KubeList<T>>(this.options.path, {
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        limit: this.options.pageSize ?? LIST_PAGE_SIZE,
        continue: next,
      });
      for (const received of page.items) this.upsert(this.keep(received), seen);
      page.items.length = 0; // this page's wire objects are garbage now, not after the next page
      version = page.metadata.resourceVersion;
      next = page.metadata.continue || undefined;
    } while (next);
    return version;
  }

  private upsert(item: T, seen: Set<string>): void {
    const key = keyOf(item.metadata);
    seen.add(key);
    const old = this.store.get(key);
    if (old && old.metadata.resourceVersion === item.metadata.resourceVersion) return;
    this.setObject(key, item);
    if (!old) this.emit('add', item);
    else this.emit('update', item, old);
  }

  private retryLater(error: unknown): void {
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.log.warn(
      { err: error, path: this.options.path, retryInMs: delay },
      'informer error, relisting after backoff',
    );
    this.retryTimer = setTimeout(() => void this.relist(), delay);
  }

  /** Watches again from the last version: at once after a normal end, after a backoff after an error. */
  private resumeWatch(error?: unknown): void {
    const again = () => void this.watch().catch((e: unknown) => this.retryLater(e));
    if (error === undefined) {
      again();
      return;
    }
    const delay = this.backoff.next();
    this.log.warn(
      { err: error, path: this.options.path, retryInMs: delay },
      'watch interrupted, resuming from the last version after backoff',
    );
    this.retryTimer = setTimeout(again, delay);
  }

  /**
   * Watches from the last version; with `initial` (the keys seen so far), a streaming list first:
   * the objects arrive as ADDED events until the bookmark that ends them.
   */
  private async watch(initial?: Set<string>): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    let unsupported = false;
    let failed: unknown;
    let listing = initial;
    const started = performance.now();
    const query = {
      ...(listing
        ? { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' }
        : { resourceVersion: this.resourceVersion }),
      allowWatchBookmarks: true,
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
      timeoutSeconds: 300 + Math.floor(Math.random() * 300),
    };
    this.abort = await watchStream(
      this.access,
      this.options.path,
      query,
      (phase: string, object: T & { code?: number }) => {
        if (phase === 'ERROR') {
          gone = object.code === 410;
          unsupported = listing !== undefined && REFUSED.has(object.code ?? 0);
          if (!gone) failed = new Error(`watch error event: ${JSON.stringify(object).slice(0, 300)}`);
          return;
        }
        if (!listing) return this.apply(phase, object);
        if (phase === 'BOOKMARK' && object.metadata?.annotations?.[INITIAL_EVENTS_END] === 'true') {
          this.listed(listing, object.metadata.resourceVersion as string);
          listing = undefined;
        } else if (phase === 'ADDED') this.upsert(this.keep(object), listing);
        else if (phase !== 'BOOKMARK') this.apply(phase, object);
      },
      (error: unknown) => {
        if (this.stopped) return;
        if (listing) this.streamingListEnded(error, { gone, unsupported, failed });
        else this.watchEnded(error, { gone, failed, started });
      },
      this.options.watchInactivityMs ?? WATCH_INACTIVITY_MS,
    );
  }

  /** A streaming list that ended before its last initial event. */
  private streamingListEnded(
    error: unknown,
    end: { gone: boolean; unsupported: boolean; failed: unknown },
  ): void {
    const status = (error as { statusCode?: number } | null)?.statusCode;
    // An API server without streaming lists refuses the parameter: page through LISTs instead.
    if (end.unsupported || REFUSED.has(status ?? 0)) {
      this.log.info({ path: this.options.path }, 'streaming list refused: listing in pages');
      this.streamingList = false;
      void this.relist();
    } else if (end.gone || status === 410) void this.relist();
    else this.retryLater(end.failed ?? error ?? new Error('streaming list ended before its last object'));
  }

  private watchEnded(error: unknown, end: { gone: boolean; failed: unknown; started: number }): void {
    const status = (error as { statusCode?: number } | null)?.statusCode;
    // Our version is compacted away: list anew.
    if (end.gone || status === 410) void this.relist();
    else if (end.failed) this.retryLater(end.failed);
    // A watch that ends as soon as it starts would otherwise spin (client-go backs off too).
    else if (!error && performance.now() - end.started < 1000)
      this.resumeWatch(new Error('watch ended at once'));
    // Closed by the server's timeout, or quiet for longer than the inactivity timer: a normal
    // end. Resume from the last version (client-node's ListWatch does the same since #3020).
    else if (!error || isTimeout(error)) this.resumeWatch();
    // The API server answered with an error: list again after a backoff.
    else if (status !== undefined) this.retryLater(error);
    // The connection failed or broke (an API server restart): like client-go's reflector,
    // watch again from the last version after a backoff; only a 410 then costs a LIST.
    else this.resumeWatch(error);
  }

  private apply(phase: string, received: T): void {
    const version = received.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    this.backoff.reset(); // the watch delivers again
    if (phase === 'BOOKMARK' || !received.metadata?.name) return;
    const object = this.keep(received);
    const key = keyOf(object.metadata);
    const old = this.store.get(key);
    if (phase === 'DELETED') {
      this.deleteObject(key);
      this.emit('delete', object);
      return;
    }
    this.setObject(key, object);
    this.emit(old ? 'update' : 'add', object, old);
  }
}
