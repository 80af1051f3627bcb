// The changes a fault interrupts: profiles created, reshaped (components added and removed, so
// policies are created, updated and pruned), deleted, and namespaces opted out of and back into the
// baseline. Random but seeded: a failing run can be replayed with FAULTS_SEED.
import { API_VERSION, KIND } from '../../src/api/v1alpha1/index.js';
import { BASELINE_OPT_OUT_LABEL, BASELINE_OPT_OUT_VALUE } from '../../src/compiler/index.js';
import { isNotFound, KubeApiError } from '../../src/kube/errors.js';
import { namespace as namespacePath, namespaces, profile as profilePath } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { sleep } from './harness.js';

const FIELD_MANAGER = 'apptrust-faults-suite';

/** mulberry32: a small seeded PRNG, so a run is replayable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const suiteSeed = () => Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000);

interface Shape {
  components: number;
  port: number;
  allowDNS: boolean;
}

export function profileBody(namespace: string, name: string, shape: Shape) {
  const components = Array.from({ length: shape.components }, (_, j) => ({
    name: `c${j}`,
    podSelector: { matchLabels: { app: `${name}-c${j}` } },
  }));
  const allow: unknown[] = [
    { from: { namespace: 'ingress' }, to: { component: 'c0' }, ports: [{ port: 443 }] },
  ];
  for (let j = 0; j + 1 < shape.components; j++)
    allow.push({
      from: { component: `c${j}` },
      to: { component: `c${j + 1}` },
      ports: [{ port: shape.port }],
    });
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace },
    spec: { allowDNS: shape.allowDNS, components, allow },
  };
}

/** Retries `write` while the API server is away (a fault in progress), for up to two minutes. */
async function persist(write: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await write();
      return;
    } catch (error) {
      const unavailable = error instanceof KubeApiError && (error.status === 0 || error.status >= 500);
      if (!unavailable || Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

export class Workload {
  private readonly random: () => number;
  private readonly existing = new Map<string, Set<string>>();
  private readonly optedOut = new Set<string>();
  private nextId = 0;
  changes = 0;

  constructor(
    private readonly rest: KubeRest,
    readonly namespaces: string[],
    seed: number,
    private readonly maxPerNamespace = 8,
  ) {
    this.random = seededRandom(seed);
    for (const ns of namespaces) this.existing.set(ns, new Set());
  }

  static async create(rest: KubeRest, prefix: string, count: number, seed: number): Promise<Workload> {
    const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}-${seed.toString(36)}`);
    for (const name of names)
      await rest.request({
        method: 'POST',
        path: namespaces(),
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      });
    return new Workload(rest, names, seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  private shape(): Shape {
    return {
      components: 1 + Math.floor(this.random() * 4),
      port: 8000 + Math.floor(this.random() * 1000),
      allowDNS: this.random() < 0.7,
    };
  }

  private async apply(ns: string, name: string): Promise<void> {
    await persist(() =>
      this.rest.apply(profilePath(ns, name), profileBody(ns, name, this.shape()), FIELD_MANAGER),
    );
    this.existing.get(ns)?.add(name);
  }

  /** `perNamespace` profiles in every namespace, created before the operator starts. */
  async populate(perNamespace: number): Promise<void> {
    for (const ns of this.namespaces)
      for (let i = 0; i < perNamespace; i++) await this.apply(ns, `p${this.nextId++}`);
  }

  /** One random change. */
  async step(): Promise<void> {
    const ns = this.pick(this.namespaces);
    const names = [...(this.existing.get(ns) ?? [])];
    const roll = this.random();
    this.changes++;
    if (names.length < this.maxPerNamespace && (roll < 0.25 || names.length === 0)) {
      await this.apply(ns, `p${this.nextId++}`);
    } else if (roll < 0.75) {
      await this.apply(ns, this.pick(names));
    } else if (roll < 0.92) {
      const name = this.pick(names);
      await persist(() =>
        this.rest.delete(profilePath(ns, name)).catch((e) => {
          if (!isNotFound(e)) throw e;
        }),
      );
      this.existing.get(ns)?.delete(name);
    } else {
      await this.toggleBaseline(ns);
    }
  }

  private async toggleBaseline(ns: string): Promise<void> {
    const out = !this.optedOut.has(ns);
    await persist(() =>
      this.rest.request({
        method: 'PATCH',
        path: namespacePath(ns),
        contentType: 'application/merge-patch+json',
        body: { metadata: { labels: { [BASELINE_OPT_OUT_LABEL]: out ? BASELINE_OPT_OUT_VALUE : null } } },
      }),
    );
    if (out) this.optedOut.add(ns);
    else this.optedOut.delete(ns);
  }

  /** `count` changes, one every `everyMs`. */
  async burst(count: number, everyMs: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await this.step();
      await sleep(everyMs);
    }
  }

  /** Changes until `stop()` is called (runs alongside a fault). */
  runUntilStopped(everyMs: number): { stop: () => Promise<void> } {
    let stopping = false;
    const loop = (async () => {
      while (!stopping) {
        await this.step();
        await sleep(everyMs);
      }
    })();
    return {
      stop: async () => {
        stopping = true;
        await loop;
      },
    };
  }

  get profileCount(): number {
    return [...this.existing.values()].reduce((n, s) => n + s.size, 0);
  }
}
