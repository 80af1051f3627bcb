// How many Enforce profiles have their intent widened now (IntentHonored=False), read at scrape time.
import { Gauge, type Registry } from 'prom-client';

export function registerWideningMetrics(registry: Registry, widened: () => number): void {
  new Gauge({
    name: 'apptrust_profiles_widened',
    help: 'Enforce AppTrustProfiles whose components another NetworkPolicy lets reach or be reached beyond what they declare (IntentHonored=False)',
    registers: [registry],
    collect() {
      this.set(widened());
    },
  });
}
