// Leader election's write fence and lease expiry, on Jest's fake clock (which also drives
// performance.now, the elector's monotonic clock): no API server, no real waiting.
import { afterEach, beforeEach, jest } from '@jest/globals';
import { pino } from 'pino';
import { KubeApiError } from '../../../src/kube/errors.js';
import { CLIENT_GO_TIMINGS, LeaderElector } from '../../../src/kube/leader.js';
import type { KubeRest, RequestSpec } from '../../../src/kube/rest.js';

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    renewTime?: string;
    leaseDurationSeconds?: number;
    leaseTransitions?: number;
  };
}

/** The Lease endpoint: optimistic concurrency like the API server; can fail or hang on demand. */
class FakeLeaseApi {
  lease: Lease | undefined;
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  readonly writes: Array<{ method: string; at: number; holder: string | undefined }> = [];
  private version = 0;

  readonly rest = {
    get: async () => {
      const hung = this.check();
      if (hung) return hung;
      if (!this.lease) throw new KubeApiError(404, 'not found', 'NotFound');
      return JSON.parse(JSON.stringify(this.lease));
    },
    request: async (spec: RequestSpec) => {
      const hung = this.check();
      if (hung) return hung;
      const body = spec.body as Lease;
      if (spec.method === 'POST' && this.lease) throw new KubeApiError(409, 'exists', 'AlreadyExists');
      if (spec.method === 'PUT' && body.metadata.resourceVersion !== this.lease?.metadata.resourceVersion)
        throw new KubeApiError(409, 'modified', 'Conflict');
      this.writes.push({ method: spec.method, at: performance.now(), holder: body.spec.holderIdentity });
      this.store(body);
      return this.lease;
    },
  } as unknown as KubeRest;

  /** Another candidate holds the lease (and renews it when called again). */
  heldBy(holder: string, renewTime: string): void {
    this.store({
      metadata: { name: 'lock', namespace: 'ops' },
      spec: { holderIdentity: holder, renewTime, leaseDurationSeconds: 15, leaseTransitions: 3 },
    });
  }

  private store(lease: Lease): void {
    this.version += 1;
    this.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(this.version) } };
  }

  /** Throws when failing; a promise that never settles when hanging. */
  private check(): Promise<never> | undefined {
    if (this.mode === 'fail') throw new KubeApiError(503, 'unavailable');
    return this.mode === 'hang' ? new Promise<never>(() => {}) : undefined;
  }
}

const started = jest.fn();
const stopped = jest.fn();
let electors: LeaderElector[] = [];

function elector(api: FakeLeaseApi): LeaderElector {
  const e = new LeaderElector(api.rest, 'ops', 'lock', 'me', pino({ level: 'silent' }), {
    onStartedLeading: started,
    onStoppedLeading: stopped,
  });
  electors.push(e);
  return e;
}

/** Lets fake time pass, running due timers and the promise chains they start. */
const pass = (ms: number) => jest.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
  started.mockClear();
  stopped.mockClear();
});

afterEach(() => {
  for (const e of electors) void e.stop();
  electors = [];
  jest.useRealTimers();
});

const { renewDeadlineMs, leaseDurationMs, retryPeriodMs } = CLIENT_GO_TIMINGS;

describe('writeFence', () => {
  it('is closed before the lease is won', () => {
    expect(elector(new FakeLeaseApi()).writeFence()).toBe('not the leader');
  });

  it('closes exactly at the renew deadline when renewals hang (a paused or cut-off leader), with no tick needed', async () => {
    const api = new FakeLeaseApi();
    const e = elector(api);
    e.start();
    await pass(0);
    expect(e.isLeader).toBe(true);
    expect(e.writeFence()).toBeUndefined();
    api.mode = 'hang'; // the next renewal never returns: no tick runs again
    await pass(renewDeadlineMs - 1);
    expect(e.writeFence()).toBeUndefined();
    await pass(1);
    expect(e.writeFence()).toMatch(/renew deadline 10000 ms/);
    expect(e.isLeader).toBe(true); // it does not even know yet: the fence alone stops the writes
    expect(stopped).not.toHaveBeenCalled();
  });

  it('stays open while renewals succeed (each one counts from when it started)', async () => {
    const api = new FakeLeaseApi();
    const e = elector(api);
    e.start();
    for (let t = 0; t < 60_000; t += 500) {
      await pass(500);
      expect(e.writeFence()).toBeUndefined();
    }
    expect(api.writes.length).toBeGreaterThanOrEqual(60_000 / retryPeriodMs);
    expect(started).toHaveBeenCalledTimes(1);
  });

  it('failing renewals: leadership is given up at the deadline, and the fence stays closed', async () => {
    const api = new FakeLeaseApi();
    const e = elector(api);
    e.start();
    await pass(0);
    api.mode = 'fail';
    await pass(renewDeadlineMs - 1);
    expect(stopped).not.toHaveBeenCalled();
    expect(e.writeFence()).toBeUndefined();
    await pass(1);
    expect(stopped).toHaveBeenCalledTimes(1);
    expect(e.writeFence()).toBe('not the leader');
  });
});

describe('another holder', () => {
  it('expires a lease duration after WE saw its record last change, whatever its renewTime says (skew)', async () => {
    const api = new FakeLeaseApi();
    api.heldBy('other', '2000-01-01T00:00:00.000000Z'); // long expired by our wall clock
    const e = elector(api);
    e.start();
    await pass(leaseDurationMs);
    expect(e.isLeader).toBe(false);
    expect(api.writes).toEqual([]);
    await pass(retryPeriodMs);
    expect(e.isLeader).toBe(true);
    // The first retry tick past a lease duration since the first observation (t=0).
    const firstTickAfter = Math.ceil(leaseDurationMs / retryPeriodMs) * retryPeriodMs;
    expect(api.writes).toEqual([{ method: 'PUT', at: firstTickAfter, holder: 'me' }]);
    expect(api.lease?.spec.leaseTransitions).toBe(4);
  });

  it('is never taken over while it keeps renewing', async () => {
    const api = new FakeLeaseApi();
    api.heldBy('other', '2000-01-01T00:00:00.000000Z');
    const renewals = setInterval(() => api.heldBy('other', '2000-01-01T00:00:00.000000Z'), 5_000);
    const e = elector(api);
    e.start();
    await pass(120_000);
    clearInterval(renewals);
    expect(e.isLeader).toBe(false);
    expect(api.writes).toEqual([]);
  });
});
