// A list-then-watch cache of one resource, in wire shape. Unlike client-node's informer, it never
// stops for good: on 410 Gone it relists at once, on any other error it relists after an
// exponential backoff (client-go's reflector behaviour). Watch events keep the cache current.
// A watch that ends quietly (the server's timeout, or client-node's inactivity timer on a quiet
// cluster) resumes from the last resourceVersion: no LIST, no warning. Objects are slimmed before
// they are stored (managedFields and last-applied copies are most of an object's bytes and never read).
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Backoff } from './backoff.js';
import { type KubeList, type KubeObject, keyOf } from './objects.js';
import type { KubeRest } from './rest.js';

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
}

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
 * cut by client-node's inactivity timer; a dead connection is still noticed within this time.
 */
const WATCH_INACTIVITY_MS = 90_000;

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

  constructor(
    private readonly rest: KubeRest,
    private readonly kubeConfig: KubeConfig,
    private readonly options: InformerOptions<T>,
    private readonly log: Logger,
  ) {}

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
    return (this.options.transform ?? slim)(object);
  }

  private emit(event: InformerEvent, object: T, old?: T): void {
    for (const handler of this.handlers) handler(event, object, old);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      // resourceVersion=0, as client-go's reflector lists: served from the watch cache, so the
      // watch that follows starts at a version the cache already has.
      const list = await this.rest.get<KubeList<T>>(this.options.path, {
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        resourceVersion: '0',
      });
      this.replace(list.items.map((item) => this.keep(item)));
      this.resourceVersion = list.metadata.resourceVersion;
      if (!this.synced) {
        this.synced = true;
        for (const resolve of this.syncWaiters.splice(0)) resolve();
      } else for (const handler of this.relistHandlers) handler();
      this.backoff.reset();
      await this.watch();
    } catch (error) {
      this.retryLater(error);
    }
  }

  /** Replaces the store with a fresh list, emitting the differences (a relist after a gap). */
  private replace(items: T[]): void {
    const fresh = new Map(items.map((item) => [keyOf(item.metadata), item]));
    for (const [key, old] of this.store)
      if (!fresh.has(key)) {
        this.deleteObject(key);
        this.emit('delete', old);
      }
    for (const [key, item] of fresh) {
      const old = this.store.get(key);
      this.setObject(key, item);
      if (!old) this.emit('add', item);
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.emit('update', item, old);
    }
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

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    let failed: unknown;
    const started = performance.now();
    const query = {
      watch: true,
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
      timeoutSeconds: 300 + Math.floor(Math.random() * 300),
    };
    const watcher = new Watch(this.kubeConfig);
    // Declared private in client-node's types, but a plain field its own code reads per watch.
    (watcher as unknown as { requestTimeoutMs: number }).requestTimeoutMs =
      this.options.watchInactivityMs ?? WATCH_INACTIVITY_MS;
    this.abort = await watcher.watch(
      this.options.path,
      query,
      (phase: string, object: T & { code?: number }) => {
        if (phase === 'ERROR') {
          gone = object.code === 410;
          if (!gone) failed = new Error(`watch error event: ${JSON.stringify(object).slice(0, 300)}`);
          return;
        }
        this.apply(phase, object);
      },
      (error: unknown) => {
        if (this.stopped) return;
        const status = (error as { statusCode?: number } | null)?.statusCode;
        // Our version is compacted away: list anew.
        if (gone || status === 410) void this.relist();
        else if (failed) this.retryLater(failed);
        // A watch that ends as soon as it starts would otherwise spin (client-go backs off too).
        else if (!error && performance.now() - started < 1000)
          this.resumeWatch(new Error('watch ended at once'));
        // Closed by the server's timeout, or quiet for longer than the inactivity timer: a normal
        // end. Resume from the last version (client-node's ListWatch does the same since #3020).
        else if (!error || isTimeout(error)) this.resumeWatch();
        // The API server answered with an error: list again after a backoff.
        else if (status !== undefined) this.retryLater(error);
        // The connection failed or broke (an API server restart): like client-go's reflector,
        // watch again from the last version after a backoff; only a 410 then costs a LIST.
        else this.resumeWatch(error);
      },
    );
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
