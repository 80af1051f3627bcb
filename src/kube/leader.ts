// Leader election on a coordination.k8s.io/v1 Lease with client-go's timings: lease 15 s, renew
// deadline 10 s, retry every 2 s. Writes use optimistic concurrency (resourceVersion), so two
// candidates can never both believe they hold the lease. Time is this process's monotonic clock:
// another holder's lease expires a lease duration after WE last saw it change (client-go's
// observedTime), never by comparing its renewTime with our wall clock (clock skew); and our own
// leadership is only trusted for a renew deadline after the start of our last successful renewal,
// which is what fences writes (see writeFence).
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
import { lease, leases } from './paths.js';
import type { KubeRest } from './rest.js';

export interface LeaderTimings {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const CLIENT_GO_TIMINGS: LeaderTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

const microTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
const monotonicMs = () => performance.now();

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  /** Monotonic start time of our last successful acquire/renew. */
  private lastRenew = Number.NEGATIVE_INFINITY;
  /** The other holder's record as last seen, and when (monotonic) we first saw it so. */
  private observed: { record: string; at: number } | undefined;

  constructor(
    private readonly rest: KubeRest,
    private readonly namespace: string,
    private readonly name: string,
    readonly identity: string,
    private readonly log: Logger,
    private readonly callbacks: { onStartedLeading: () => void; onStoppedLeading: () => void },
    private readonly timings: LeaderTimings = CLIENT_GO_TIMINGS,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Why this replica must not write now, or undefined while it may. Writes stop once the lease is
   * older than the renew deadline, before any other candidate can see it expire (lease duration):
   * a paused or partitioned leader that wakes up finds its writes refused before it even learns it
   * was deposed.
   */
  readonly writeFence = (): string | undefined => {
    if (!this.leading) return 'not the leader';
    const age = monotonicMs() - this.lastRenew;
    return age < this.timings.renewDeadlineMs
      ? undefined
      : `leader lease last renewed ${Math.round(age)} ms ago (renew deadline ${this.timings.renewDeadlineMs} ms)`;
  };

  start(): void {
    void this.tick();
  }

  private schedule(): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.timings.retryPeriodMs);
  }

  private async tick(): Promise<void> {
    const started = monotonicMs();
    // A wake-up past the deadline: give up leadership before anything else runs.
    if (this.leading && this.writeFence()) this.lose('could not renew within the deadline');
    try {
      const held = await this.tryAcquireOrRenew();
      if (held) {
        this.lastRenew = started;
        if (!this.leading) {
          this.leading = true;
          this.log.info(
            { lease: `${this.namespace}/${this.name}`, identity: this.identity },
            'became leader',
          );
          this.callbacks.onStartedLeading();
        }
      } else if (this.leading) this.lose('lease taken by another candidate');
    } catch (error) {
      this.log.warn({ err: error }, 'leader election request failed');
      if (this.leading && this.writeFence()) this.lose('could not renew within the deadline');
    }
    this.schedule();
  }

  private lose(why: string): void {
    this.leading = false;
    this.log.error({ why }, 'lost leadership');
    this.callbacks.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    let current: Lease | undefined;
    try {
      current = await this.rest.get<Lease>(lease(this.namespace, this.name));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const spec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.round(this.timings.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    if (!current) {
      const body = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.namespace },
        spec,
      };
      return this.write(() =>
        this.rest.request({ method: 'POST', path: leases(this.namespace), body, unfenced: true }),
      );
    }
    const holder = current.spec.holderIdentity;
    if (holder && holder !== this.identity && !this.othersLeaseExpired(current)) return false;
    if (holder === this.identity) {
      spec.acquireTime = current.spec.acquireTime ?? spec.acquireTime;
      spec.leaseTransitions = current.spec.leaseTransitions ?? 0;
    } else {
      spec.leaseTransitions = (current.spec.leaseTransitions ?? 0) + 1;
    }
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...current.metadata },
      spec,
    };
    return this.write(() =>
      this.rest.request({ method: 'PUT', path: lease(this.namespace, this.name), body, unfenced: true }),
    );
  }

  /** client-go: a lease expires leaseDuration after we observed its record last change. */
  private othersLeaseExpired(current: Lease): boolean {
    const record = `${current.spec.holderIdentity}\u0000${current.spec.renewTime}\u0000${current.metadata.resourceVersion}`;
    const now = monotonicMs();
    if (this.observed?.record !== record) this.observed = { record, at: now };
    return this.observed.at + (current.spec.leaseDurationSeconds ?? 15) * 1000 < now;
  }

  private async write(send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (isConflict(error) || isAlreadyExists(error)) return false; // someone else won the race
      throw error;
    }
  }

  /** Stops campaigning and, when leading, releases the lease so a successor need not wait 15 s. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const current = await this.rest.get<Lease>(lease(this.namespace, this.name));
      if (current.spec.holderIdentity !== this.identity) return;
      const spec = {
        ...current.spec,
        holderIdentity: '',
        leaseDurationSeconds: 1,
        renewTime: microTime(Date.now()),
      };
      await this.rest.request({
        method: 'PUT',
        path: lease(this.namespace, this.name),
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: current.metadata, spec },
        unfenced: true,
      });
    } catch (error) {
      this.log.warn({ err: error }, 'could not release the lease');
    }
  }
}
