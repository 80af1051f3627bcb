// What a DNS name stands for over time: TTL clamping, grace after an address leaves, failures keep
// the last good set.
import { MAX_FQDN_ADDRESSES } from '../../../src/api/v1alpha1/index.js';
import {
  addressesOf,
  clampTtlMs,
  EMPTY_STATE,
  expireGrace,
  isDue,
  nextWakeMs,
  withAnswer,
  withFailure,
} from '../../../src/dns/address-set.js';

const T = { minTtlMs: 5_000, maxTtlMs: 300_000, graceMs: 60_000 };

describe('TTL clamping', () => {
  it.each([
    [0, 5_000],
    [1, 5_000],
    [30, 30_000],
    [300, 300_000],
    [86_400, 300_000],
  ])('a TTL of %ss re-resolves after %sms', (ttl, ms) => {
    expect(clampTtlMs(ttl, T)).toBe(ms);
    const state = withAnswer(EMPTY_STATE, { addresses: ['192.0.2.1'], ttlSeconds: ttl }, 1_000, T);
    expect(state.expiresAtMs).toBe(1_000 + ms);
    expect(isDue(state, 1_000 + ms - 1)).toBe(false);
    expect(isDue(state, 1_000 + ms)).toBe(true);
  });
});

describe('grace', () => {
  const first = withAnswer(EMPTY_STATE, { addresses: ['192.0.2.1', '192.0.2.2'], ttlSeconds: 10 }, 0, T);

  it('keeps an address that left the answers for the grace period, then drops it', () => {
    const second = withAnswer(first, { addresses: ['192.0.2.2', '192.0.2.3'], ttlSeconds: 10 }, 10_000, T);
    expect(addressesOf(second)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    // .1 left the answers at 10 s: it goes at 10 s + grace; the next wake-up is the TTL (20 s).
    expect(nextWakeMs(second, T)).toBe(20_000);
    expect(addressesOf(expireGrace(second, 69_999, T))).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    expect(addressesOf(expireGrace(second, 70_000, T))).toEqual(['192.0.2.2', '192.0.2.3']);
    // A later answer without it does not restart its grace.
    const third = withAnswer(second, { addresses: ['192.0.2.3'], ttlSeconds: 10 }, 20_000, T);
    expect(addressesOf(expireGrace(third, 70_000, T))).toEqual(['192.0.2.2', '192.0.2.3']);
  });

  it('never drops an address of the last good answer, however old', () => {
    expect(addressesOf(expireGrace(first, 10 * 60_000, T))).toEqual(['192.0.2.1', '192.0.2.2']);
  });

  it('keeps at most the bound, the most recently seen first', () => {
    let state = withAnswer(EMPTY_STATE, { addresses: ['198.51.100.1'], ttlSeconds: 10 }, 0, T);
    const many = Array.from({ length: MAX_FQDN_ADDRESSES }, (_, i) => `203.0.113.${i + 1}`);
    state = withAnswer(state, { addresses: many, ttlSeconds: 10 }, 1_000, T);
    expect(addressesOf(state)).toHaveLength(MAX_FQDN_ADDRESSES);
    expect(addressesOf(state)).not.toContain('198.51.100.1');
  });
});

describe('failures keep the last good set', () => {
  const good = withAnswer(EMPTY_STATE, { addresses: ['192.0.2.1'], ttlSeconds: 30 }, 0, T);

  it('a failed resolution keeps the addresses and says why; retried after the minimum TTL', () => {
    const failed = withFailure(good, 'ResolutionFailed', 'timed out', 30_000, T);
    expect(addressesOf(failed)).toEqual(['192.0.2.1']);
    expect(failed.resolvedAtMs).toBe(0);
    expect(failed.failure).toEqual({ kind: 'ResolutionFailed', message: 'timed out', retryAtMs: 35_000 });
    expect(isDue(failed, 34_999)).toBe(false);
    expect(nextWakeMs(failed, T)).toBe(35_000);
  });

  it('an empty answer is a failure, not an empty set', () => {
    const empty = withAnswer(good, { addresses: [], ttlSeconds: 30 }, 30_000, T);
    expect(addressesOf(empty)).toEqual(['192.0.2.1']);
    expect(empty.failure?.message).toBe('empty answer (no A or AAAA record)');
  });

  it('an answer over the bound is not used', () => {
    const many = Array.from({ length: MAX_FQDN_ADDRESSES + 1 }, (_, i) => `203.0.113.${i + 1}`);
    const over = withAnswer(good, { addresses: many, ttlSeconds: 30 }, 30_000, T);
    expect(addressesOf(over)).toEqual(['192.0.2.1']);
    expect(over.failure?.kind).toBe('TooManyAddresses');
  });

  it('the next good answer clears the failure', () => {
    const failed = withFailure(good, 'ResolutionFailed', 'timed out', 30_000, T);
    const back = withAnswer(failed, { addresses: ['192.0.2.1'], ttlSeconds: 30 }, 35_000, T);
    expect(back.failure).toBeUndefined();
    expect(back.resolvedAtMs).toBe(35_000);
  });
});
