// Keeps the DNS names of all profiles resolved: one resolution per name however many profiles name
// it, again when its answer expires (TTL clamped), and a wake-up when a grace period ends. Every
// change of a name's state re-queues the profiles that name it; they render from `addressesFor(profile)`.
import type { FqdnStatus } from '../api/v1alpha1/index.js';
import {
  addressesOf,
  type DnsAnswer,
  EMPTY_STATE,
  expireGrace,
  type FqdnTimings,
  IN_ANSWER,
  isDue,
  type NameState,
  nextWakeMs,
  withAnswer,
  withFailure,
} from '../dns/address-set.js';

export interface FqdnTrackerDeps {
  resolve: (name: string) => Promise<DnsAnswer>;
  describeError: (error: unknown) => string;
  timings: FqdnTimings;
  /** The profiles (keys) whose names changed state: re-render them. */
  onChange: (profileKeys: string[]) => void;
  /** A resolution failed (metrics). */
  onFailure?: (name: string) => void;
  nowMs?: () => number;
}

/** The DNSResolved condition of a profile, from the state of its names. */
export interface DnsReport {
  resolved: boolean;
  reason: 'Resolved' | 'ResolutionFailed' | 'TooManyAddresses' | 'Pending';
  message: string;
  fqdn: FqdnStatus[];
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * A profile's view of a name carried over from before this process (a restart, a new leader): the
 * addresses its status listed and its own policies enforce. Before the name's first answer here
 * they are its addresses (a failing resolver keeps them); the first answer is when those it lacks
 * leave, so they stay for the grace period from then, like any address leaving the answers. Never
 * shared with another profile naming the same name.
 */
function withCarried(
  state: NameState,
  entry: FqdnStatus | undefined,
  firstAnswerMs: number | undefined,
  nowMs: number,
  graceMs: number,
): NameState {
  if (!entry?.addresses?.length) return state;
  if (firstAnswerMs === undefined) {
    const resolvedAtMs = entry.resolvedAt ? Date.parse(entry.resolvedAt) : Number.NaN;
    return {
      ...state,
      seen: new Map(entry.addresses.map((a) => [a, IN_ANSWER])),
      ...(Number.isNaN(resolvedAtMs) ? {} : { resolvedAtMs }),
    };
  }
  if (firstAnswerMs + graceMs <= nowMs) return state;
  const seen = new Map(state.seen);
  for (const address of entry.addresses) if (!seen.has(address)) seen.set(address, firstAnswerMs);
  return { ...state, seen };
}

/** One name's status entry, and its problem in words when it has one. */
function describeName(
  name: string,
  state: NameState,
): { status: FqdnStatus; problem?: string; kind: DnsReport['reason'] } {
  const addresses = addressesOf(state);
  const status: FqdnStatus = { name };
  if (addresses.length > 0) status.addresses = addresses;
  if (state.resolvedAtMs !== undefined) status.resolvedAt = iso(state.resolvedAtMs);
  if (state.expiresAtMs !== undefined) status.expiresAt = iso(state.expiresAtMs);
  const kept =
    addresses.length > 0 ? `last good addresses kept (${addresses.join(', ')})` : 'nothing allowed to it yet';
  if (state.failure) {
    status.error = state.failure.message;
    return { status, problem: `${name}: ${state.failure.message}; ${kept}`, kind: state.failure.kind };
  }
  if (state.resolvedAtMs === undefined)
    return { status, problem: `${name}: not resolved yet; ${kept}`, kind: 'Pending' };
  return { status, kind: 'Resolved' };
}

export class FqdnTracker {
  private readonly states = new Map<string, NameState>();
  private readonly wanted = new Map<string, ReadonlySet<string>>(); // profile → names
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly firstWantedMs = new Map<string, number>();
  /** Profile → name → what its status listed and its policies enforce (see withCarried). */
  private readonly carried = new Map<string, ReadonlyMap<string, FqdnStatus>>();
  /** Name → its first good answer in this process: carried-over addresses leave then. */
  private readonly firstAnswerMs = new Map<string, number>();
  private stopped = false;

  constructor(private readonly deps: FqdnTrackerDeps) {}

  private now(): number {
    return this.deps.nowMs?.() ?? Date.now();
  }

  /**
   * Records the names profile `key` goes to; resolves names seen for the first time before
   * returning (a new profile renders with its addresses, not without them first).
   */
  async want(
    key: string,
    names: readonly string[],
    carried: ReadonlyMap<string, FqdnStatus> = new Map(),
  ): Promise<void> {
    if (names.length === 0) {
      this.forget(key);
      return;
    }
    this.wanted.set(key, new Set(names));
    // Carried over only until a name's first answer here: after it, what was kept stays as it was.
    const before = this.carried.get(key);
    const kept = new Map<string, FqdnStatus>();
    for (const name of names) {
      const entry = this.firstAnswerMs.has(name) ? before?.get(name) : carried.get(name);
      if (entry) kept.set(name, entry);
    }
    this.carried.set(key, kept);
    if (!this.firstWantedMs.has(key)) this.firstWantedMs.set(key, this.now());
    const fresh = new Set(names.filter((n) => !this.states.has(n)));
    for (const name of fresh) this.states.set(name, EMPTY_STATE);
    // A name another profile is resolving for the first time is awaited too: that resolution
    // re-queues nobody, so rendering before it ends would miss its addresses until the next change.
    await Promise.all(
      names.map((name) => (fresh.has(name) ? this.resolve(name, false) : this.inFlight.get(name))),
    );
    this.dropUnwanted();
  }

  forget(key: string): void {
    this.wanted.delete(key);
    this.carried.delete(key);
    this.firstWantedMs.delete(key);
    this.dropUnwanted();
  }

  /** A name as profile `key` sees it: the shared state, or what was carried over for it. */
  private stateFor(key: string, name: string): NameState {
    return withCarried(
      this.states.get(name) ?? EMPTY_STATE,
      this.carried.get(key)?.get(name),
      this.firstAnswerMs.get(name),
      this.now(),
      this.deps.timings.graceMs,
    );
  }

  /** Addresses per name for profile `key`, for the compiler (names without addresses are absent). */
  addressesFor(key: string): { get(name: string): readonly string[] | undefined } {
    return {
      get: (name) => {
        const list = addressesOf(this.stateFor(key, name));
        return list.length > 0 ? list : undefined;
      },
    };
  }

  /** status.fqdn and the DNSResolved condition of profile `key` (undefined: it names no DNS name). */
  report(key: string): DnsReport | undefined {
    const names = this.namesOf(key);
    if (names.length === 0) return undefined;
    const entries = names.map((name) => describeName(name, this.stateFor(key, name)));
    const problems = entries.flatMap((e) => (e.problem ? [e.problem] : []));
    const kinds = new Set(entries.map((e) => e.kind));
    const reason: DnsReport['reason'] = kinds.has('ResolutionFailed')
      ? 'ResolutionFailed'
      : kinds.has('TooManyAddresses')
        ? 'TooManyAddresses'
        : kinds.has('Pending')
          ? 'Pending'
          : 'Resolved';
    const message =
      problems.length === 0
        ? `${names.length} DNS ${names.length === 1 ? 'name' : 'names'} resolved`
        : problems.join('; ');
    return { resolved: problems.length === 0, reason, message, fqdn: entries.map((e) => e.status) };
  }

  /** Seconds since the oldest last good resolution among a profile's names (since it was wanted, when never). */
  ageSeconds(key: string): number | undefined {
    const names = this.wanted.get(key);
    if (!names) return undefined;
    const now = this.now();
    let oldest = now;
    for (const name of names) {
      const at = this.stateFor(key, name).resolvedAtMs ?? this.firstWantedMs.get(key) ?? now;
      oldest = Math.min(oldest, at);
    }
    return (now - oldest) / 1000;
  }

  /** The names profile `key` goes to, as last recorded. */
  namesOf(key: string): string[] {
    return [...(this.wanted.get(key) ?? [])].sort();
  }

  profiles(): string[] {
    return [...this.wanted.keys()];
  }

  stop(): void {
    this.stopped = true;
    this.reset();
  }

  /** Forgets every name and profile (this replica stopped leading); `want` starts again. */
  reset(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.states.clear();
    this.wanted.clear();
    this.carried.clear();
    this.firstAnswerMs.clear();
    this.firstWantedMs.clear();
  }

  private profilesWanting(name: string): string[] {
    return [...this.wanted].filter(([, names]) => names.has(name)).map(([key]) => key);
  }

  private dropUnwanted(): void {
    const all = new Set([...this.wanted.values()].flatMap((names) => [...names]));
    for (const name of [...this.states.keys()])
      if (!all.has(name) && !this.inFlight.has(name)) {
        this.states.delete(name);
        this.firstAnswerMs.delete(name);
        clearTimeout(this.timers.get(name));
        this.timers.delete(name);
      }
  }

  /** One resolution of `name` at a time; `notify`: tell its profiles when its state changed. */
  private resolve(name: string, notify: boolean): Promise<void> {
    const running = this.inFlight.get(name);
    if (running) return running;
    const run = (async () => {
      const before = this.states.get(name) ?? EMPTY_STATE;
      let after: NameState;
      try {
        const answer = await this.deps.resolve(name);
        after = withAnswer(before, answer, this.now(), this.deps.timings);
      } catch (error) {
        after = withFailure(
          before,
          'ResolutionFailed',
          this.deps.describeError(error),
          this.now(),
          this.deps.timings,
        );
      }
      if (after.failure) this.deps.onFailure?.(name);
      this.settle(name, after, notify);
    })().finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, run);
    return run;
  }

  private settle(name: string, state: NameState, notify: boolean): void {
    if (this.stopped || this.profilesWanting(name).length === 0) {
      this.states.delete(name); // forgotten while it was being resolved
      return;
    }
    this.states.set(name, state);
    if (state.resolvedAtMs !== undefined && !state.failure && !this.firstAnswerMs.has(name))
      this.firstAnswerMs.set(name, state.resolvedAtMs);
    this.schedule(name);
    if (notify) this.deps.onChange(this.profilesWanting(name));
  }

  private schedule(name: string): void {
    clearTimeout(this.timers.get(name));
    const state = this.states.get(name);
    const times = [state ? nextWakeMs(state, this.deps.timings) : undefined, this.carriedGraceEnd(name)];
    const due = times.filter((t): t is number => t !== undefined);
    const at = due.length > 0 ? Math.min(...due) : undefined;
    if (at === undefined || this.stopped) return;
    const timer = setTimeout(() => this.wake(name), Math.max(0, at - this.now()));
    timer.unref?.();
    this.timers.set(name, timer);
  }

  /** When the grace of carried-over addresses of `name` ends (undefined: none, or before its first answer). */
  private carriedGraceEnd(name: string): number | undefined {
    const first = this.firstAnswerMs.get(name);
    if (first === undefined) return undefined;
    const carries = this.profilesWanting(name).some((key) => this.carried.get(key)?.has(name));
    return carries ? first + this.deps.timings.graceMs : undefined;
  }

  /** A timer fired: end grace periods that are over, and re-resolve when due. */
  private wake(name: string): void {
    this.timers.delete(name);
    const state = this.states.get(name);
    if (!state || this.stopped) return;
    const now = this.now();
    const carriedEnd = this.carriedGraceEnd(name);
    if (carriedEnd !== undefined && carriedEnd <= now) {
      // The carried-over addresses' grace is over: they go, and only they had them.
      const keys = this.profilesWanting(name).filter((key) => this.carried.get(key)?.has(name));
      for (const key of keys) {
        const rest = new Map(this.carried.get(key));
        rest.delete(name);
        this.carried.set(key, rest);
      }
      if (keys.length > 0) this.deps.onChange(keys);
    }
    const expired = expireGrace(state, now, this.deps.timings);
    if (isDue(expired, now)) {
      this.states.set(name, expired);
      void this.resolve(name, true);
      return;
    }
    this.settle(name, expired, expired !== state);
  }
}
