// The DNS-name settings (--fqdn-resolver, --fqdn-min-ttl, --fqdn-max-ttl, --fqdn-grace): one
// definition for the operator's flags and the CLI's (`apptrust render --resolve`).
import { z } from 'zod';
import { DEFAULT_FQDN_TIMINGS, type FqdnTimings } from './dns/address-set.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+)(ms|s|m|h)$/;
/** A duration as Kubernetes flags take it ("1s", "500ms", "5m", "1h"), in milliseconds. */
export const durationMs = z
  .string()
  .regex(DURATION, 'want a duration such as 1s, 500ms, 5m or 1h')
  .transform((text) => {
    const [, amount, unit] = text.match(DURATION) as RegExpMatchArray;
    return Number(amount) * (UNIT_MS[unit as string] as number);
  });

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(:\d{1,5})?$/;

/** Option name → [zod schema with its default, help text]. */
export const FQDN_OPTIONS = {
  'fqdn-resolver': [
    z.string().regex(HOST_PORT, 'want HOST:PORT, [IPv6]:PORT or HOST').optional(),
    'DNS server for to.fqdn names, HOST:PORT (default: the cluster DNS Service, the nameserver of /etc/resolv.conf)',
  ],
  'fqdn-min-ttl': [
    durationMs.prefault('5s'),
    'shortest time between two resolutions of a name (its TTL is raised to it)',
  ],
  'fqdn-max-ttl': [
    durationMs.prefault('10m'),
    'longest time between two resolutions of a name (its TTL is lowered to it)',
  ],
  'fqdn-grace': [
    durationMs.prefault('1m'),
    'how long an address stays allowed after it left the answers of its name',
  ],
} as const;

export type FqdnOptionName = keyof typeof FQDN_OPTIONS;
export const FQDN_OPTION_NAMES = Object.keys(FQDN_OPTIONS) as FqdnOptionName[];

export interface FqdnSettings {
  /** HOST:PORT; undefined: the cluster DNS Service. */
  resolver: string | undefined;
  timings: FqdnTimings;
}

/** The settings for the given option values (undefined = default); throws an Error naming the option. */
export function fqdnSettings(values: Partial<Record<FqdnOptionName, string>>): FqdnSettings {
  const parse = <N extends FqdnOptionName>(name: N) => {
    const parsed = FQDN_OPTIONS[name][0].safeParse(values[name]);
    if (!parsed.success) throw new Error(`--${name}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  };
  const timings: FqdnTimings = {
    minTtlMs: (parse('fqdn-min-ttl') as number) ?? DEFAULT_FQDN_TIMINGS.minTtlMs,
    maxTtlMs: (parse('fqdn-max-ttl') as number) ?? DEFAULT_FQDN_TIMINGS.maxTtlMs,
    graceMs: (parse('fqdn-grace') as number) ?? DEFAULT_FQDN_TIMINGS.graceMs,
  };
  if (timings.minTtlMs < 1000) throw new Error('--fqdn-min-ttl: must be at least 1s');
  if (timings.maxTtlMs < timings.minTtlMs) throw new Error('--fqdn-max-ttl: must be at least --fqdn-min-ttl');
  return { resolver: parse('fqdn-resolver') as string | undefined, timings };
}
