// What the reconcilers read: a synced cache of one resource. One Informer over the whole cluster,
// or, when the operator watches a list of namespaces, one Informer per namespace read as one cache
// (so the operator needs Roles in those namespaces only, not cluster-wide list and watch).
import type { Logger } from 'pino';
import { type IndexFunc, Informer, type InformerHandler } from './informer.js';
import type { KubeAccess } from './kube-access.js';
import { type KubeObject, splitKey } from './objects.js';
import type { KubeRest } from './rest.js';

export interface ObjectCache<T extends KubeObject> {
  on(handler: InformerHandler<T>): void;
  /** After a list that bridged a gap in the watch (see Informer.onRelist). */
  onRelist(handler: () => void): void;
  get(key: string): T | undefined;
  list(): T[];
  /** Files objects under an index (add before start); `byIndex` then looks them up. */
  addIndex(index: string, fn: IndexFunc<T>): void;
  byIndex(index: string, value: string): T[];
  readonly size: number;
  hasSynced(): boolean;
  waitForSync(): Promise<void>;
  start(): void;
  stop(): void;
}

export class NamespacedInformers<T extends KubeObject> implements ObjectCache<T> {
  constructor(private readonly byNamespace: ReadonlyMap<string, Informer<T>>) {}

  on(handler: InformerHandler<T>): void {
    for (const informer of this.byNamespace.values()) informer.on(handler);
  }

  onRelist(handler: () => void): void {
    for (const informer of this.byNamespace.values()) informer.onRelist(handler);
  }

  get(key: string): T | undefined {
    return this.byNamespace.get(splitKey(key).namespace)?.get(key);
  }

  list(): T[] {
    return [...this.byNamespace.values()].flatMap((informer) => informer.list());
  }

  addIndex(index: string, fn: IndexFunc<T>): void {
    for (const informer of this.byNamespace.values()) informer.addIndex(index, fn);
  }

  byIndex(index: string, value: string): T[] {
    return [...this.byNamespace.values()].flatMap((informer) => informer.byIndex(index, value));
  }

  get size(): number {
    return [...this.byNamespace.values()].reduce((sum, informer) => sum + informer.size, 0);
  }

  hasSynced(): boolean {
    return [...this.byNamespace.values()].every((informer) => informer.hasSynced());
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.byNamespace.values()].map((informer) => informer.waitForSync()));
  }

  start(): void {
    for (const informer of this.byNamespace.values()) informer.start();
  }

  stop(): void {
    for (const informer of this.byNamespace.values()) informer.stop();
  }
}

/**
 * A cache of a namespaced resource: cluster-wide when `namespaces` is empty, else one informer per
 * namespace. `pathIn(namespace?)` is the collection path (all namespaces when undefined).
 */
export function namespacedCache<T extends KubeObject>(
  rest: KubeRest,
  kubeConfig: KubeAccess,
  pathIn: (namespace?: string) => string,
  namespaces: readonly string[],
  log: Logger,
  labelSelector?: string,
  transform?: (object: T) => T,
): ObjectCache<T> {
  const informer = (namespace?: string) =>
    new Informer<T>(
      rest,
      kubeConfig,
      {
        path: pathIn(namespace),
        ...(labelSelector ? { labelSelector } : {}),
        ...(transform ? { transform } : {}),
      },
      log,
    );
  if (namespaces.length === 0) return informer();
  return new NamespacedInformers(new Map(namespaces.map((ns) => [ns, informer(ns)])));
}
