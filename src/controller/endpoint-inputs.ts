// What fqdn and service endpoints resolve against, kept current, for the profile controller: the
// Services cache (a change re-queues the profiles that name the Service, found by an index on the
// profile cache) and the DNS name tracker (a change of a name re-queues the profiles naming it).
// The profile reconciler reads it through `ProfileEndpoints`; the controller registers `watches`.
import { Counter, Gauge } from 'prom-client';
import type { FqdnStatus } from '../api/v1alpha1/index.js';
import {
  type EndpointInputs,
  fqdnNamesOf,
  hostCidr,
  serviceKeysOf,
  validateProfile,
} from '../compiler/index.js';
import { clusterDnsServer, describeDnsError, dnsResolver } from '../dns/resolver.js';
import { namespacedCache, type ObjectCache } from '../kube/cache.js';
import { keyOf, splitKey } from '../kube/objects.js';
import { services } from '../kube/paths.js';
import { type SlimService, slimService } from '../kube/services.js';
import type { CacheSpec } from './caches.js';
import { type Manager, type Watch, watch } from './controller.js';
import { type DnsReport, FqdnTracker } from './fqdn-tracker.js';
import { KeySignal } from './key-signal.js';
import type { ProfileEndpoints, ProfileObject } from './profile-reconciler.js';

/** Only what `{service: NAME}` endpoints render from (type, selector, ports). */
export const SERVICES: CacheSpec<SlimService> = {
  name: 'services',
  create: (c) => namespacedCache(c.rest, c.kubeConfig, services, c.watched, c.log, undefined, slimService),
};

/** Index of profiles by the Services ("namespace/name") their flows name. */
const SERVICE_INDEX = 'service';

export class EndpointInputsWatch implements ProfileEndpoints {
  private readonly services: ObjectCache<SlimService>;
  private readonly tracker: FqdnTracker;
  /** The profiles whose names changed state, as an event source a watch listens to. */
  private readonly changes = new KeySignal();
  private term: AbortSignal | undefined;

  constructor(
    manager: Manager,
    private readonly profiles: ObjectCache<ProfileObject>,
    /** The host addresses (/32, /128) the policies a profile owns allow: what may be carried over. */
    private readonly enforcedHosts: (profile: ProfileObject) => ReadonlySet<string>,
  ) {
    this.services = manager.cache(SERVICES);
    const { fqdn } = manager.options;
    const failures = new Counter({
      name: 'apptrust_fqdn_resolution_failures_total',
      help: 'Failed, empty or oversized resolutions of spec.allow[].to.fqdn names (the last good addresses stay)',
      registers: [manager.metrics.registry],
    });
    const server = fqdn.resolver ?? clusterDnsServer();
    this.tracker = new FqdnTracker({
      resolve: server
        ? dnsResolver({ server })
        : () => Promise.reject(new Error('no DNS server: set --fqdn-resolver=HOST:PORT')),
      describeError: describeDnsError,
      timings: fqdn.timings,
      onChange: (keys) => this.changes.emit(keys),
      onFailure: (name) => {
        failures.inc();
        manager.log.warn({ name, server }, 'DNS resolution failed; last good addresses kept');
      },
    });
    registerAgeGauge(manager, this.tracker);
    profiles.addIndex(SERVICE_INDEX, (p) => serviceKeysOf(p, p.metadata.namespace ?? ''));
  }

  /** Service changes and DNS name changes, as work-queue keys of the profiles they concern. */
  watches(): Watch[] {
    return [
      watch(this.services, (_event, service) =>
        this.profiles.byIndex(SERVICE_INDEX, keyOf(service.metadata)).map((p) => keyOf(p.metadata)),
      ),
      watch(this.changes, (_event, object) => [keyOf(object.metadata)]),
    ];
  }

  /**
   * Resolving is the leader's work: when this replica's term ends, the tracker forgets everything
   * (the next leader starts from the status and the enforced policies, see `prepare`).
   */
  startTerm(signal: AbortSignal): void {
    if (this.term === signal) return;
    this.term = signal;
    signal.addEventListener('abort', () => this.tracker.reset(), { once: true });
  }

  async prepare(key: string, profile: ProfileObject): Promise<EndpointInputs> {
    // Only the names of a valid spec are resolved (never a wildcard, never more than the bound); an
    // invalid spec keeps the names of the last good one, whose policies stay enforced.
    const names = fqdnNamesOf(profile);
    if (names.length === 0 || validateProfile(profile).ok)
      await this.tracker.want(key, names, carriedOver(profile, this.enforcedHosts(profile)));
    return { fqdn: this.tracker.addressesFor(key), services: this.services };
  }

  forget(key: string): void {
    this.tracker.forget(key);
  }

  report(key: string): DnsReport | undefined {
    return this.tracker.report(key);
  }
}

/**
 * What a new tracker (a restart, a new leader) starts a name from before its first answer: the
 * addresses status.fqdn lists that the owned policies enforce now. A failed first resolution then
 * keeps what is enforced; a status edited by hand can never add an address.
 */
export function carriedOver(profile: ProfileObject, enforced: ReadonlySet<string>): Map<string, FqdnStatus> {
  const out = new Map<string, FqdnStatus>();
  for (const entry of profile.status?.fqdn ?? []) {
    const addresses = (entry.addresses ?? []).filter((a) => enforced.has(hostCidr(a)));
    if (addresses.length > 0) out.set(entry.name, { ...entry, addresses });
  }
  return out;
}

function registerAgeGauge(manager: Manager, tracker: FqdnTracker): void {
  new Gauge({
    name: 'apptrust_fqdn_resolution_age_seconds',
    help: 'Per profile: seconds since the oldest last good resolution of its DNS names',
    labelNames: ['namespace', 'profile'],
    registers: [manager.metrics.registry],
    collect() {
      this.reset();
      for (const key of tracker.profiles()) {
        const age = tracker.ageSeconds(key);
        const { namespace, name } = splitKey(key);
        if (age !== undefined) this.set({ namespace, profile: name }, age);
      }
    },
  });
}
