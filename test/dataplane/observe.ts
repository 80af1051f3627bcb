// Probing on packets: a matrix of probes run at once, waiting until what flows is what was expected,
// continuous probing (a fresh connection every few milliseconds) and the write -> enforcement
// latency taken from it. Each observed probe is exposed as (from, to, port, protocol, connected).
import type { Dataplane, Host, ProbeResult } from './dataplane.js';

export type Family = 4 | 6;

export interface Check {
  from: string;
  to: string;
  port: number;
  protocol?: 'TCP' | 'UDP';
  /** The expected outcome: true = the connection is made. */
  allowed: boolean;
}

export interface Observed extends Check {
  family: Family;
  /** "namespace/name" of a pod, or the address of an external host: what an evaluator needs. */
  fromRef: string;
  toRef: string;
  fromIp: string;
  toIp: string;
  connected: boolean;
  outcome: string;
}

/** Probe timeout: a dropped first packet is never retried within it, an allowed one takes ~1 ms. */
export const PROBE_TIMEOUT_MS = 800;

const addressOf = (host: Host, family: Family): string | undefined => (family === 6 ? host.ipv6 : host.ipv4);

const refOf = (host: Host, ip: string) => (host.kind === 'pod' ? `${host.namespace}/${host.name}` : ip);

/** One probe's record: the check, both ends as refs and addresses, and what the packet did. */
function observed(
  check: Check,
  [from, to]: [Host, Host],
  family: Family,
  result: { connected: boolean; outcome: string },
): Observed {
  const fromIp = addressOf(from, family);
  const toIp = addressOf(to, family);
  if (!fromIp || !toIp) throw new Error(`${check.from} -> ${check.to}: no IPv${family} address`);
  const { connected, outcome } = result;
  return {
    ...check,
    family,
    fromRef: refOf(from, fromIp),
    toRef: refOf(to, toIp),
    fromIp,
    toIp,
    connected,
    outcome,
  };
}

export function hostOf(hosts: Record<string, Host>, endpoint: string): Host {
  const host = hosts[endpoint];
  if (!host) throw new Error(`no host for endpoint ${endpoint}`);
  return host;
}

/** Runs every check once, all at the same time (each from its source's namespace). */
export async function observe(
  dataplane: Dataplane,
  hosts: Record<string, Host>,
  checks: Check[],
  family: Family = 4,
): Promise<Observed[]> {
  return Promise.all(
    checks.map(async (check) => {
      const from = hostOf(hosts, check.from);
      const to = hostOf(hosts, check.to);
      const toIp = addressOf(to, family);
      if (!addressOf(from, family) || !toIp)
        throw new Error(`${check.from} -> ${check.to}: no IPv${family} address`);
      const result = await dataplane.probe(from, toIp, check.port, check.protocol ?? 'TCP', PROBE_TIMEOUT_MS);
      return observed(check, [from, to], family, result);
    }),
  );
}

/** Samples of a continuous probe of `check` as observed probes (the record, the evaluator). */
export function observedSamples(
  check: Check,
  from: Host,
  to: Host,
  samples: ProbeResult[],
  family: Family = 4,
): Observed[] {
  return samples.map((s) => observed(check, [from, to], family, s));
}

export const describeCheck = (c: Check & { family?: Family }) =>
  `${c.from} -> ${c.to}:${c.port}/${c.protocol ?? 'TCP'}${c.family === 6 ? ' (IPv6)' : ''}`;

export const lines = (
  observed: (Check & { family?: Family; connected?: boolean })[],
  key: 'allowed' | 'connected',
) =>
  observed.map(
    (o) => `${describeCheck(o)} ${(key === 'allowed' ? o.allowed : o.connected) ? 'allowed' : 'blocked'}`,
  );

/**
 * Probes until every check has its expected outcome (enforcement is asynchronous) and returns that
 * observation; after `timeoutMs` returns the last one, for the test to show the difference.
 */
export async function untilObserved(
  dataplane: Dataplane,
  hosts: Record<string, Host>,
  checks: Check[],
  family: Family = 4,
  timeoutMs = 20_000,
): Promise<Observed[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const observed = await observe(dataplane, hosts, checks, family);
    if (observed.every((o) => o.connected === o.allowed) || Date.now() > deadline) return observed;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ContinuousProbe {
  /** Stops probing and returns every sample, in start order (the pending ones are awaited). */
  stop(): Promise<ProbeResult[]>;
  /** Samples so far, in start order. */
  samples(): ProbeResult[];
  /**
   * The first sample, once complete. Awaited in `addPod`'s onNetworkUp hook it guarantees that
   * probing had begun before the pod's IPs are published.
   */
  first(): Promise<ProbeResult>;
}

/**
 * A fresh connection from `from` to `ip` every `everyMs` until stopped. For the "no unprotected
 * window" test (issue 10): start it in `addPod`'s onNetworkUp hook to probe from a pod's first
 * moment, and look at the samples that connected.
 */
export function probeContinuously(
  dataplane: Dataplane,
  from: Host,
  ip: string,
  port: number,
  protocol: 'TCP' | 'UDP' = 'TCP',
  options: { everyMs?: number; timeoutMs?: number } = {},
): ContinuousProbe {
  const results: ProbeResult[] = [];
  const pending = new Set<Promise<void>>();
  let stopped = false;
  let resolveFirst: (r: ProbeResult) => void = () => {};
  const first = new Promise<ProbeResult>((resolve) => {
    resolveFirst = resolve;
  });
  const fire = () => {
    if (stopped) return;
    const p = dataplane
      .probe(from, ip, port, protocol, options.timeoutMs ?? PROBE_TIMEOUT_MS)
      .then((r) => {
        results.push(r);
        resolveFirst(r);
      })
      .catch(() => undefined)
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  fire();
  const timer = setInterval(fire, options.everyMs ?? 5);
  const ordered = () => [...results].sort((a, b) => a.startedAt - b.startedAt);
  return {
    samples: ordered,
    first: () => first,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...pending]);
      return ordered();
    },
  };
}

/**
 * Time from `since` (epoch ms, when a write was stored) until `from -> ip` is in the `connected`
 * state for good: the start of the first attempt after which every later attempt (at least
 * `settle` of them) had that outcome. Undefined when it never settled within `timeoutMs`.
 */
export async function timeUntil(
  dataplane: Dataplane,
  from: Host,
  ip: string,
  port: number,
  protocol: 'TCP' | 'UDP',
  connected: boolean,
  since: number,
  timeoutMs = 15_000,
  settle = 5,
): Promise<{ ms: number | undefined; sawOther: boolean; samples: number }> {
  const probe = probeContinuously(dataplane, from, ip, port, protocol, { everyMs: 5 });
  const deadline = Date.now() + timeoutMs;
  const settledAt = (samples: ProbeResult[]) => {
    let run = 0;
    for (let i = samples.length - 1; i >= 0; i--) {
      if ((samples[i] as ProbeResult).connected !== connected) break;
      run++;
    }
    return run >= settle ? samples[samples.length - run] : undefined;
  };
  while (Date.now() < deadline && !settledAt(probe.samples())) await new Promise((r) => setTimeout(r, 20));
  const samples = await probe.stop();
  const first = settledAt(samples);
  return {
    ms: first ? Math.max(0, first.startedAt - since) : undefined,
    sawOther: samples.some((s) => s.connected !== connected),
    samples: samples.length,
  };
}
