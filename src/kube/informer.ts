// A list-then-watch cache of one resource, in wire shape. Unlike client-node's informer, it never
// stops for good: on 410 Gone it relists at once, on any other error it relists after an
// exponential backoff (client-go's reflector behaviour). Watch events keep the cache current.
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Backoff } from './backoff.js';
import { type KubeList, type KubeObject, keyOf } from './objects.js';
import type { KubeRest } from './rest.js';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, object: T, old?: T) => void;

export interface InformerOptions {
  /** Collection path, e.g. /apis/networking.k8s.io/v1/networkpolicies. */
  path: string;
  labelSelector?: string;
}

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: InformerHandler<T>[] = [];
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
    private readonly options: InformerOptions,
    private readonly log: Logger,
  ) {}

  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
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
        resourceVersion: '0',
      });
      this.replace(list.items);
      this.resourceVersion = list.metadata.resourceVersion;
      if (!this.synced) {
        this.synced = true;
        for (const resolve of this.syncWaiters.splice(0)) resolve();
      }
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
        this.store.delete(key);
        this.emit('delete', old);
      }
    for (const [key, item] of fresh) {
      const old = this.store.get(key);
      this.store.set(key, item);
      if (!old) this.emit('add', item);
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.emit('update', item, old);
    }
  }

  private retryLater(error: unknown): void {
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.log.warn(
      { err: String(error), path: this.options.path, retryInMs: delay },
      'informer error, relisting after backoff',
    );
    this.retryTimer = setTimeout(() => void this.relist(), delay);
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    const query = {
      watch: true,
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      labelSelector: this.options.labelSelector,
      timeoutSeconds: 300 + Math.floor(Math.random() * 300),
    };
    this.abort = await new Watch(this.kubeConfig).watch(
      this.options.path,
      query,
      (phase: string, object: T & { code?: number }) => {
        if (phase === 'ERROR') {
          gone = object.code === 410;
          return;
        }
        this.apply(phase, object);
      },
      (error: unknown) => {
        if (this.stopped) return;
        if (gone || (error as { statusCode?: number } | null)?.statusCode === 410) void this.relist();
        else if (error) this.retryLater(error);
        else void this.watch(); // the server closed the watch normally: resume from the last version
      },
    );
  }

  private apply(phase: string, object: T): void {
    const version = object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (phase === 'BOOKMARK') return;
    const key = keyOf(object.metadata);
    const old = this.store.get(key);
    if (phase === 'DELETED') {
      this.store.delete(key);
      this.emit('delete', object);
      return;
    }
    this.store.set(key, object);
    this.emit(old ? 'update' : 'add', object, old);
  }
}
