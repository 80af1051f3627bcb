// What a DNS name stands for over time (pure; the clock is an argument): the addresses of the last
// good answer plus those that left it less than `grace` ago. A failed, empty or oversized answer
// never widens and never silently drops: the last good set stays, with the error beside it.
import { MAX_FQDN_ADDRESSES } from '../api/v1alpha1/index.js';

export interface FqdnTimings {
  /** Lower bound of the re-resolution interval (a TTL of 0 or 1 would make a busy loop). */
  minTtlMs: number;
  /** Upper bound (a TTL of a day would leave a moved service blocked for a day). */
  maxTtlMs: number;
  /** How long an address stays allowed after it left the answers (cached answers, long connections). */
  graceMs: number;
}

export const DEFAULT_FQDN_TIMINGS: FqdnTimings = { minTtlMs: 5_000, maxTtlMs: 600_000, graceMs: 60_000 };

/** One answer: A and AAAA addresses and the smallest TTL among them (seconds). */
export interface DnsAnswer {
  addresses: string[];
  ttlSeconds: number;
}

export type FailureKind = 'ResolutionFailed' | 'TooManyAddresses';

export interface NameState {
  /** Address → when it left the answers (ms), or IN_ANSWER while it is in the last good answer. */
  seen: ReadonlyMap<string, number>;
  /** The last good answer (ms); undefined before the first. */
  resolvedAtMs?: number;
  /** When that answer expires (its TTL clamped): the name is resolved again then. */
  expiresAtMs?: number;
  /** The last attempt failed: why, and when to try again. */
  failure?: { kind: FailureKind; message: string; retryAtMs: number };
}

export const IN_ANSWER = Number.POSITIVE_INFINITY;

export const EMPTY_STATE: NameState = { seen: new Map() };

export function clampTtlMs(ttlSeconds: number, t: FqdnTimings): number {
  return Math.min(t.maxTtlMs, Math.max(t.minTtlMs, Math.round(ttlSeconds * 1000)));
}

/** Drops addresses whose grace is over; keeps at most MAX_FQDN_ADDRESSES, the answer's first. */
function pruned(seen: ReadonlyMap<string, number>, nowMs: number, t: FqdnTimings): Map<string, number> {
  const kept = [...seen].filter(([, goneAt]) => goneAt + t.graceMs > nowMs);
  kept.sort(([a, at], [b, bt]) => (at === bt ? (a < b ? -1 : 1) : bt - at));
  return new Map(kept.slice(0, MAX_FQDN_ADDRESSES));
}

/** The state after a good answer; an empty or oversized one counts as a failure. */
export function withAnswer(state: NameState, answer: DnsAnswer, nowMs: number, t: FqdnTimings): NameState {
  const fresh = new Set(answer.addresses);
  if (fresh.size === 0)
    return withFailure(state, 'ResolutionFailed', 'empty answer (no A or AAAA record)', nowMs, t);
  if (fresh.size > MAX_FQDN_ADDRESSES)
    return withFailure(
      state,
      'TooManyAddresses',
      `${fresh.size} addresses in the answer; at most ${MAX_FQDN_ADDRESSES} per name (answer not used)`,
      nowMs,
      t,
    );
  const seen = new Map<string, number>();
  // An address that just left the answers starts its grace now; one already leaving keeps its time.
  for (const [address, goneAt] of state.seen) seen.set(address, goneAt === IN_ANSWER ? nowMs : goneAt);
  for (const address of fresh) seen.set(address, IN_ANSWER);
  return {
    seen: pruned(seen, nowMs, t),
    resolvedAtMs: nowMs,
    expiresAtMs: nowMs + clampTtlMs(answer.ttlSeconds, t),
  };
}

/** The state after a failed attempt: the last good set stays; try again after the minimum TTL. */
export function withFailure(
  state: NameState,
  kind: FailureKind,
  message: string,
  nowMs: number,
  t: FqdnTimings,
): NameState {
  return { ...state, failure: { kind, message, retryAtMs: nowMs + t.minTtlMs } };
}

/** The state at `nowMs` with graced addresses whose time is over removed (the last good answer stays). */
export function expireGrace(state: NameState, nowMs: number, t: FqdnTimings): NameState {
  const seen = pruned(state.seen, nowMs, t);
  return seen.size === state.seen.size ? state : { ...state, seen };
}

/** The addresses to allow, sorted. */
export function addressesOf(state: NameState): string[] {
  return [...state.seen.keys()].sort();
}

/** When something changes next by itself: a re-resolution is due, or a grace period ends. */
export function nextWakeMs(state: NameState, t: FqdnTimings): number | undefined {
  const times: number[] = [];
  if (state.failure) times.push(state.failure.retryAtMs);
  else if (state.expiresAtMs !== undefined) times.push(state.expiresAtMs);
  for (const goneAt of state.seen.values()) if (goneAt !== IN_ANSWER) times.push(goneAt + t.graceMs);
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** True when a (re-)resolution is due at `nowMs`. */
export function isDue(state: NameState, nowMs: number): boolean {
  if (state.failure) return state.failure.retryAtMs <= nowMs;
  return state.expiresAtMs === undefined || state.expiresAtMs <= nowMs;
}
