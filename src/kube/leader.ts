// Leader election on a coordination.k8s.io/v1 Lease with client-go's timings: lease 15 s, renew
// deadline 10 s, retry every 2 s. Writes use optimistic concurrency (resourceVersion), so two
// candidates can never both believe they hold the lease.
import type { Logger } from 'pino';
import { isConflict, isNotFound } from './errors.js';
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

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;

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

  start(): void {
    void this.tick();
  }

  private schedule(): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.timings.retryPeriodMs);
  }

  private async tick(): Promise<void> {
    try {
      const held = await this.tryAcquireOrRenew();
      if (held) {
        this.lastRenew = Date.now();
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
      this.log.warn({ err: String(error) }, 'leader election request failed');
      if (this.leading && Date.now() - this.lastRenew > this.timings.renewDeadlineMs)
        this.lose('could not renew within the deadline');
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
      return this.write(() => this.rest.request({ method: 'POST', path: leases(this.namespace), body }));
    }
    const holder = current.spec.holderIdentity;
    const renewed = Date.parse(current.spec.renewTime ?? '') || 0;
    const expired = renewed + (current.spec.leaseDurationSeconds ?? 15) * 1000 < now;
    if (holder && holder !== this.identity && !expired) return false;
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
      this.rest.request({ method: 'PUT', path: lease(this.namespace, this.name), body }),
    );
  }

  private async write(send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (isConflict(error) || (error as { reason?: string }).reason === 'AlreadyExists') return false; // someone else won the race
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
      });
    } catch (error) {
      this.log.warn({ err: String(error) }, 'could not release the lease');
    }
  }
}
