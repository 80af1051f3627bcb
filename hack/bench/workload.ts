// The objects both sides start from: namespaces and AppTrustProfiles (two components each, so
// two NetworkPolicies per profile) plus a deny-all baseline per namespace. BENCH_SCALE picks the
// size: 1,000 profiles in 20 namespaces; 5,000 profiles in 100 namespaces plus 4,900 empty ones
// (5,000 namespaces, 15,000 policies); any other N: N profiles in N/50 namespaces.
import { API_VERSION } from '../../src/api/v1alpha1/index.js';
import { namespaces, profiles } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';

export interface Scale {
  profiles: number;
  /** Namespaces holding profiles. */
  profileNamespaces: number;
  /** All namespaces the benchmark makes (profile namespaces first). */
  namespaces: number;
}

export function scaleFrom(env: NodeJS.ProcessEnv): Scale {
  const n = Number(env.BENCH_SCALE ?? 1000);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_SCALE: want a positive integer, got ${n}`);
  const profileNamespaces = n === 1000 ? 20 : Math.max(1, Math.ceil(n / 50));
  const all = Number(env.BENCH_NAMESPACES ?? (n >= 5000 ? n : profileNamespaces));
  return { profiles: n, profileNamespaces, namespaces: Math.max(all, profileNamespaces) };
}

export const namespaceName = (i: number) => `bench-${i}`;

export function profileRef(i: number, scale: Scale): { namespace: string; name: string } {
  return { namespace: namespaceName(i % scale.profileNamespaces), name: `p${i}` };
}

/** Profile i; `port` is what a "profile change" changes. */
export function profileBody(i: number, scale: Scale, port = 8080) {
  return {
    apiVersion: API_VERSION,
    kind: 'AppTrustProfile',
    metadata: profileRef(i, scale),
    spec: {
      components: [
        { name: 'web', podSelector: { matchLabels: { app: `web-${i}` } } },
        { name: 'api', podSelector: { matchLabels: { app: `api-${i}` } } },
      ],
      allow: [
        { from: { namespace: 'ingress' }, to: { component: 'web' }, ports: [{ port: 443 }] },
        { from: { component: 'web' }, to: { component: 'api' }, ports: [{ port }] },
      ],
    },
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** Creates the namespaces and profiles (no status, no policies): the starting state of every run. */
export async function createWorkload(rest: KubeRest, scale: Scale): Promise<void> {
  const nsIndexes = Array.from({ length: scale.namespaces }, (_, i) => i);
  await inParallel(nsIndexes, 32, (i) =>
    rest.request({
      method: 'POST',
      path: namespaces(),
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespaceName(i) } },
    }),
  );
  const ids = Array.from({ length: scale.profiles }, (_, i) => i);
  await inParallel(ids, 32, (i) =>
    rest.request({
      method: 'POST',
      path: profiles(profileRef(i, scale).namespace),
      body: profileBody(i, scale),
    }),
  );
}
