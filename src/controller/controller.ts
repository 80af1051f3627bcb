// What every controller is to the Operator (controller-runtime's SetupWithManager, cert-manager's
// Register): a name, the watches that turn cache events into work-queue keys, and one reconcile
// contract. A controller module exports a `setup(manager)` that builds its reconciler from the
// manager's shared caches and clients and returns this; the Operator loops over the list in
// operator.ts and knows no controller by name.
import type { Logger } from 'pino';
import type { ConditionReason } from '../api/v1alpha1/index.js';
import type { OperatorOptions } from '../config.js';
import type { ObjectCache } from '../kube/cache.js';
import type { EventRecorder } from '../kube/events.js';
import type { InformerEvent } from '../kube/informer.js';
import type { KubeObject } from '../kube/objects.js';
import type { PolicyStore } from '../kube/policy-store.js';
import type { KubeRest } from '../kube/rest.js';
import type { CacheSpec } from './caches.js';
import type { KeySignal } from './key-signal.js';
import type { OperatorMetrics } from './metrics.js';
import type { ProfilePromises } from './profile-promises.js';
import type { Outcome } from './queue.js';

/** How soon a controller looks again at something only someone else can clear (a name held by a policy not ours). */
export const CONFLICT_RETRY_MS = 30_000;

/** What each reconcile gets (controller-runtime's ctx): its logger and the end of this replica's term. */
export interface ReconcileContext {
  /** Carries controller, namespace, name and a reconcileID. */
  log: Logger;
  /** Aborted when this replica stops or loses its lease: no new write should start. */
  signal: AbortSignal;
}

/** What one reconcile reports (controller-runtime's Result and error). */
export interface Reconciled {
  /** For the work queue: undefined when done (queue.ts). */
  outcome?: Outcome;
  /**
   * The Ready reason the object has now; null when the object is gone (forget it); absent when this
   * reconcile decided none (e.g. a retry before any status).
   */
  reason?: ConditionReason | null;
  /** Failed after the reason was decided: retried with backoff, like a thrown error. */
  error?: Error;
}

/** What a watch listens to: a cache, or anything else that reports objects the same way. */
export type EventSource<T extends KubeObject> = Pick<ObjectCache<T>, 'on' | 'onRelist'>;

/** A cache's events mapped to work-queue keys (controller-runtime's For/Owns/Watches). */
export interface Watch {
  source: EventSource<KubeObject>;
  /** The keys one event calls for: none for the echo of our own write. */
  keys(event: InformerEvent, object: KubeObject): readonly string[];
  /** After a relist bridged a gap in the watch: forget what the gap may hide; the keys to look at again. */
  relisted?(): Iterable<string>;
}

/** Typed at the declaration, erased in the Operator's list. */
export function watch<T extends KubeObject>(
  source: EventSource<T>,
  keys: (event: InformerEvent, object: T) => readonly string[],
  relisted?: () => Iterable<string>,
): Watch {
  return {
    source: source as unknown as EventSource<KubeObject>,
    keys: keys as Watch['keys'],
    ...(relisted ? { relisted } : {}),
  };
}

export interface Controller {
  /** The work queue's name: the `controller` label of the metrics and logs. */
  name: string;
  watches: readonly Watch[];
  /** Every key in scope: the start-up back-fill and the periodic resync. */
  keys(): Iterable<string>;
  /**
   * Watch events wait this long and fold into one reconcile per key: for a controller that
   * analyses many objects at once (a namespace), not for one that writes what an event changed.
   */
  batchMs?: number;
  reconcile(key: string, ctx: ReconcileContext): Promise<Reconciled>;
}

/** What a controller's setup gets from the Operator: shared caches and clients. */
export interface Manager {
  readonly options: OperatorOptions;
  readonly rest: KubeRest;
  readonly log: Logger;
  readonly metrics: OperatorMetrics;
  readonly events: EventRecorder;
  readonly policyStore: PolicyStore;
  /** CONFLICT_RETRY_MS unless a test shortens it. */
  readonly conflictRetryMs: number;
  /** The shared cache of `spec` (built on the first ask; started and synced by the Operator). */
  cache<T extends KubeObject>(spec: CacheSpec<T>): ObjectCache<T>;
  /** The signal called `name`, one per manager: a controller emits keys, another one watches it. */
  signal(name: string): KeySignal;
  /** What each profile's spec promises: recorded by the profile controller, read by the widening one. */
  readonly promises: ProfilePromises;
}

/** A controller module's registration function (one line in operator.ts's CONTROLLERS). */
export type ControllerSetup = (manager: Manager) => Controller;
