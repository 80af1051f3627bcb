// Asks one DNS server for a name's A and AAAA records with their TTLs (Node's c-ares resolver,
// pointed at the configured server only: never the host's resolv.conf search list or cache).
import { promises as dns, type RecordWithTtl } from 'node:dns';
import { readFileSync } from 'node:fs';
import type { DnsAnswer } from './address-set.js';

/** No record of one family is not an error (an IPv4-only name has no AAAA). */
const NO_DATA = new Set<string>([dns.NODATA]);

export interface DnsResolverOptions {
  /** HOST:PORT, [IPv6]:PORT, or HOST (port 53). */
  server: string;
  /** Per attempt (c-ares doubles it on each retry). */
  timeoutMs?: number;
  tries?: number;
}

/** A resolve function for the tracker: one answer per call, or an Error that says why not. */
export function dnsResolver(options: DnsResolverOptions): (name: string) => Promise<DnsAnswer> {
  return async (name: string) => {
    const resolver = new dns.Resolver({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
    resolver.setServers([options.server]);
    const family = async (query: (n: string, o: { ttl: true }) => Promise<RecordWithTtl[]>) => {
      try {
        return await query.call(resolver, name, { ttl: true });
      } catch (error) {
        if (NO_DATA.has((error as NodeJS.ErrnoException).code ?? '')) return [];
        throw error;
      }
    };
    try {
      const [v4, v6] = await Promise.all([family(resolver.resolve4), family(resolver.resolve6)]);
      const records = [...v4, ...v6];
      return {
        addresses: records.map((r) => r.address),
        ttlSeconds: records.length > 0 ? Math.min(...records.map((r) => r.ttl)) : 0,
      };
    } finally {
      resolver.cancel();
    }
  };
}

/** What a failed lookup says, in words a status reader can act on. */
export function describeDnsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { hostname?: string };
  const words: Record<string, string> = {
    [dns.NOTFOUND]: 'name not found (NXDOMAIN)',
    [dns.TIMEOUT]: 'timed out',
    [dns.SERVFAIL]: 'server failure (SERVFAIL)',
    [dns.REFUSED]: 'refused by the server',
    [dns.CONNREFUSED]: 'could not contact the DNS server',
  };
  return (e.code && words[e.code]) ?? e.message ?? String(error);
}

/**
 * The default resolver: the cluster DNS Service. kubelet writes its ClusterIP as the first
 * nameserver of every ClusterFirst pod's /etc/resolv.conf, so reading it needs no API access.
 */
export function clusterDnsServer(resolvConf = '/etc/resolv.conf'): string | undefined {
  try {
    const line = readFileSync(resolvConf, 'utf8')
      .split('\n')
      .find((l) => /^\s*nameserver\s+\S+/.test(l));
    const address = line?.trim().split(/\s+/)[1];
    if (!address) return undefined;
    return address.includes(':') ? `[${address}]:53` : `${address}:53`;
  } catch {
    return undefined;
  }
}
