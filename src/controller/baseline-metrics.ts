// How many namespaces in baseline scope are protected, and how many wait for it (their pods are
// refused by the admission gate meanwhile): counted from the caches when Prometheus scrapes.
import { Gauge, type Registry } from 'prom-client';

export function registerBaselineMetrics(
  registry: Registry,
  counts: () => Promise<{ protected: number; unprotected: number }>,
): void {
  new Gauge({
    name: 'apptrust_baseline_namespaces',
    help: 'Namespaces in baseline scope by state: protected (baseline in place, pods admitted) or unprotected (pods refused until it is); undercut: protected, but a policy no profile owns allows what the baseline denies',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const now = await counts();
      this.set({ state: 'protected' }, now.protected);
      this.set({ state: 'unprotected' }, now.unprotected);
      // state="undercut" is set by the intent-widening controller as it finds them.
    },
  });
}
