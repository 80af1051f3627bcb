// What fqdn and service endpoints resolve against, kept current: a Services cache (the profiles
// naming a Service, by an index on the profile cache, are re-queued when it changes) and the DNS
// name tracker. The operator registers this beside the profile controller; the reconciler reads
// it through `ProfileEndpoints`.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { type EndpointInputs, fqdnNamesOf, serviceKeysOf, validateProfile } from '../compiler/index.js';
import { clusterDnsServer, describeDnsError, dnsResolver } from '../dns/resolver.js';
import type { FqdnSettings } from '../fqdn-settings.js';
import { namespacedCache, type ObjectCache } from '../kube/cache.js';
import { keyOf, splitKey } from '../kube/objects.js';
import { services } from '../kube/paths.js';
import type { KubeRest } from '../kube/rest.js';
import { type SlimService, slimService } from '../kube/services.js';
import { type DnsReport, FqdnTracker } from './fqdn-tracker.js';
import type { ProfileObject } from './profile-reconciler.js';

const SERVICE_INDEX = 'service';

/** What the profile reconciler needs of this: inputs to render with, and the DNS state to report. */
export interface ProfileEndpoints {
  /** Records the names `key` goes to (resolving new ones) and returns what to render with. */
  prepare(key: string, profile: ProfileObject): Promise<EndpointInputs>;
  forget(key: string): void;
  /** The DNS state of the names `key` was last prepared with (none: undefined). */
  report(key: string): DnsReport | undefined;
}

export class EndpointInputsWatch implements ProfileEndpoints {
  readonly services: ObjectCache<SlimService>;
  readonly tracker: FqdnTracker;

  constructor(
    rest: KubeRest,
    kubeConfig: KubeConfig,
    watchNamespaces: readonly string[],
    settings: FqdnSettings,
    private readonly profiles: ObjectCache<ProfileObject>,
    private readonly enqueue: (key: string) => void,
    registry: Registry,
    log: Logger,
  ) {
    this.services = namespacedCache(rest, kubeConfig, services, watchNamespaces, log, undefined, slimService);
    const failures = new Counter({
      name: 'apptrust_fqdn_resolution_failures_total',
      help: 'Failed, empty or oversized resolutions of spec.allow[].to.fqdn names (the last good addresses stay)',
      registers: [registry],
    });
    const server = settings.resolver ?? clusterDnsServer();
    this.tracker = new FqdnTracker({
      resolve: server
        ? dnsResolver({ server })
        : () => Promise.reject(new Error('no DNS server: set --fqdn-resolver=HOST:PORT')),
      describeError: describeDnsError,
      timings: settings.timings,
      onChange: (keys) => {
        for (const key of keys) this.enqueue(key);
      },
      onFailure: (name) => {
        failures.inc();
        log.warn({ name, server }, 'DNS resolution failed; last good addresses kept');
      },
    });
    const tracker = this.tracker;
    new Gauge({
      name: 'apptrust_fqdn_resolution_age_seconds',
      help: 'Per profile: seconds since the oldest last good resolution of its DNS names',
      labelNames: ['namespace', 'profile'],
      registers: [registry],
      collect() {
        this.reset();
        for (const key of tracker.profiles()) {
          const age = tracker.ageSeconds(key);
          const { namespace, name } = splitKey(key);
          if (age !== undefined) this.set({ namespace, profile: name }, age);
        }
      },
    });
    profiles.addIndex(SERVICE_INDEX, (p) => serviceKeysOf(p, p.metadata.namespace ?? ''));
    this.services.on((_event, service) => {
      for (const p of this.profiles.byIndex(SERVICE_INDEX, keyOf(service.metadata)))
        this.enqueue(keyOf(p.metadata));
    });
  }

  async prepare(key: string, profile: ProfileObject): Promise<EndpointInputs> {
    // Only the names of a valid spec are resolved (never a wildcard, never more than the bound); an
    // invalid spec keeps the names of the last good one, whose policies stay enforced.
    const names = fqdnNamesOf(profile);
    if (names.length === 0 || validateProfile(profile).ok) await this.tracker.want(key, names);
    return { fqdn: this.tracker.addresses, services: this.services };
  }

  forget(key: string): void {
    this.tracker.forget(key);
  }

  report(key: string): DnsReport | undefined {
    return this.tracker.report(this.tracker.namesOf(key));
  }

  informers(): Array<{ start(): void; stop(): void; waitForSync(): Promise<void>; hasSynced(): boolean }> {
    return [this.services];
  }

  stop(): void {
    this.tracker.stop();
  }
}
