// What the harness sees of either side: a watch on profiles (Ready at their generation) and on
// managed policies (baselines in place). Every "done" the benchmark times is the moment an event
// arrives here, so both sides are observed by the same code over the same kind of stream.
import type { KubeConfig } from '@kubernetes/client-node';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, POLICY_KIND_LABEL } from '../../src/compiler/index.js';
import type { KubeList } from '../../src/kube/objects.js';
import { networkPolicies, profiles } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { type WatchedObject, watch } from './kube-stream.js';

type Waiter = { done: () => boolean; resolve: (at: number) => void };

const key = (o: WatchedObject) => `${o.metadata.namespace}/${o.metadata.name}`;
const isReady = (o: WatchedObject) =>
  o.status?.observedGeneration === o.metadata.generation &&
  (o.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

export class Convergence {
  /** Profile key → generation at which it is Ready (absent: not Ready at its current generation). */
  private readonly readyAt = new Map<string, number>();
  private readonly baselines = new Set<string>();
  private waiters: Waiter[] = [];
  private stops: Array<() => void> = [];

  private constructor() {}

  static async start(rest: KubeRest, kubeConfig: KubeConfig): Promise<Convergence> {
    const c = new Convergence();
    const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
    const [profileList, policyList] = await Promise.all([
      rest.get<KubeList<WatchedObject>>(profiles()),
      rest.get<KubeList<WatchedObject>>(networkPolicies(), { labelSelector: selector }),
    ]);
    for (const p of profileList.items) c.onProfile('ADDED', p);
    for (const p of policyList.items) c.onPolicy('ADDED', p);
    c.stops = [
      watch(kubeConfig, profiles(), {}, profileList.metadata.resourceVersion, (t, o) => c.onProfile(t, o)),
      watch(
        kubeConfig,
        networkPolicies(),
        { labelSelector: selector },
        policyList.metadata.resourceVersion,
        (t, o) => c.onPolicy(t, o),
      ),
    ];
    return c;
  }

  stop(): void {
    for (const s of this.stops) s();
  }

  get readyProfiles(): number {
    return this.readyAt.size;
  }

  get baselineCount(): number {
    return this.baselines.size;
  }

  private onProfile(type: string, o: WatchedObject): void {
    if (type === 'DELETED' || !isReady(o)) this.readyAt.delete(key(o));
    else this.readyAt.set(key(o), o.metadata.generation ?? 0);
    this.check();
  }

  private onPolicy(type: string, o: WatchedObject): void {
    if (o.metadata.labels?.[POLICY_KIND_LABEL] !== 'baseline') return;
    if (type === 'DELETED') this.baselines.delete(o.metadata.namespace as string);
    else this.baselines.add(o.metadata.namespace as string);
    this.check();
  }

  private check(): void {
    const at = performance.now();
    const pending: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.done()) w.resolve(at);
      else pending.push(w);
    }
    this.waiters = pending;
  }

  /** Resolves with the performance.now() of the event that made `done` true (now, if it already is). */
  until(done: () => boolean, timeoutMs: number, what: string): Promise<number> {
    if (done()) return Promise.resolve(performance.now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)),
        timeoutMs,
      );
      this.waiters.push({
        done,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      });
    });
  }

  allReady(profileCount: number, baselineCount: number, timeoutMs: number): Promise<number> {
    return this.until(
      () => this.readyAt.size >= profileCount && this.baselines.size >= baselineCount,
      timeoutMs,
      `${profileCount} profiles Ready and ${baselineCount} baselines (have ${this.readyAt.size}, ${this.baselines.size})`,
    );
  }

  profileReady(profileKey: string, generation: number, timeoutMs = 30_000): Promise<number> {
    return this.until(
      () => (this.readyAt.get(profileKey) ?? -1) >= generation,
      timeoutMs,
      `${profileKey} Ready at generation ${generation}`,
    );
  }

  baseline(namespace: string, timeoutMs = 30_000): Promise<number> {
    return this.until(() => this.baselines.has(namespace), timeoutMs, `baseline in ${namespace}`);
  }
}
