// The floor: a bare client that makes exactly the writes the operator must make, and nothing else.
// It lists profiles, namespaces and managed policies once, renders with the operator's compiler
// (renderProfiles, baselinePolicyFor) and writes what is missing — each profile's policies
// concurrently, then its status — through the same keep-alive client (KubeRest), with at most
// BENCH_FLOOR_CONCURRENCY requests in flight. Then it watches profiles and namespaces and writes
// what a change needs (the changed policy, the status; a new namespace's baseline), so the
// steady-state latencies have a floor too. Runs as its own process; prints JSON lines on stdout.
import { isDeepStrictEqual } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../src/api/v1alpha1/index.js';
import {
  baselinePolicyFor,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type NetworkPolicy,
  type RenderResult,
  renderProfile,
  renderProfiles,
} from '../../src/compiler/index.js';
import { parseOptions } from '../../src/config.js';
import { isMarkedProtected, PROTECTED_LABEL, PROTECTED_VALUE } from '../../src/controller/baseline-scope.js';
import { Reason } from '../../src/controller/conditions.js';
import type { ProfileObject } from '../../src/controller/profile-reconciler.js';
import { desiredStatus, ownedStatusFields } from '../../src/controller/profile-status.js';
import { NamespaceLabels } from '../../src/kube/namespace-labels.js';
import { type KubeList, type KubeObject, keyOf } from '../../src/kube/objects.js';
import { namespaces, networkPolicies, networkPolicy, profileStatus, profiles } from '../../src/kube/paths.js';
import { FIELD_MANAGER, type LivePolicy } from '../../src/kube/policy-store.js';
import { KubeRest } from '../../src/kube/rest.js';
import { wantsBaseline } from './baseline-scope.js';
import { watch } from './kube-stream.js';

const concurrency = Number(process.env.BENCH_FLOOR_CONCURRENCY ?? 32);
const options = parseOptions([], {});
const baselineSettings = { allowDNS: options.baselineAllowDNS, ...options };
const managedSelector = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const rest = new KubeRest(kubeConfig);
const labels = new NamespaceLabels(rest);
let writes = 0;
rest.onRequest((method) => {
  if (method !== 'GET') writes++;
});

/** At most `n` requests in flight, first come first served. */
function limiter(n: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
const limited = limiter(concurrency);

/** What is on the server, as far as the floor needs to know: policy key → spec. */
const livePolicies = new Map<string, unknown>();
/** Policy names last rendered per profile (to prune after a change). */
const renderedNames = new Map<string, string[]>();
/** Generation each profile was last handled at. */
const handled = new Map<string, number>();

async function ensurePolicy(desired: NetworkPolicy): Promise<void> {
  const key = keyOf(desired.metadata);
  const live = livePolicies.get(key);
  if (live !== undefined && isDeepStrictEqual(live, desired.spec)) return;
  const query = { fieldManager: FIELD_MANAGER };
  if (live === undefined)
    await limited(() =>
      rest.request({
        method: 'POST',
        path: networkPolicies(desired.metadata.namespace),
        query,
        body: desired,
      }),
    );
  else
    await limited(() =>
      rest.request({
        method: 'PUT',
        path: networkPolicy(desired.metadata.namespace, desired.metadata.name),
        query,
        body: desired,
      }),
    );
  livePolicies.set(key, desired.spec);
}

async function writeStatus(profile: ProfileObject, result: RenderResult): Promise<void> {
  const names = result.policies.map((p) => p.metadata.name);
  const status = desiredStatus(
    profile.status,
    {
      mode: result.mode,
      generation: profile.metadata.generation,
      policies: names,
      reason: Reason.Reconciled,
      message: `${names.length} NetworkPolicies enforced`,
    },
    now,
  );
  if (isDeepStrictEqual(ownedStatusFields(profile.status), status)) return;
  const { name, namespace } = profile.metadata as { name: string; namespace: string };
  const body = { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, status };
  await limited(() => rest.apply(profileStatus(namespace, name), body, FIELD_MANAGER));
}

async function ensureProfile(profile: ProfileObject, result: RenderResult): Promise<void> {
  const key = keyOf(profile.metadata);
  handled.set(key, profile.metadata.generation ?? 0);
  if (result.diagnostics.length > 0) {
    process.stderr.write(`floor: ${key} is invalid; the benchmark's profiles never are\n`);
    return;
  }
  await Promise.all(result.policies.map(ensurePolicy));
  const keep = new Set(result.policies.map((p) => p.metadata.name));
  const stale = (renderedNames.get(key) ?? []).filter((n) => !keep.has(n));
  await Promise.all(
    stale.map(async (n) => {
      await limited(() => rest.delete(networkPolicy(profile.metadata.namespace as string, n)));
      livePolicies.delete(`${profile.metadata.namespace}/${n}`);
    }),
  );
  renderedNames.set(key, [...keep]);
  await writeStatus(profile, result);
}

async function ensureBaseline(ns: KubeObject): Promise<void> {
  if (!wantsBaseline(ns, baselineSettings)) return;
  await ensurePolicy(
    baselinePolicyFor(ns.metadata.name, { allowDNS: baselineSettings.allowDNS, settings: options.compiler }),
  );
  // The protected marker the admission gate waits for: a write the operator must make too.
  if (!isMarkedProtected(ns))
    await limited(() => labels.set(ns.metadata.name, PROTECTED_LABEL, PROTECTED_VALUE));
}

const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

const [profileList, namespaceList, policyList] = await Promise.all([
  rest.get<KubeList<ProfileObject>>(profiles()),
  rest.get<KubeList<KubeObject>>(namespaces()),
  rest.get<KubeList<LivePolicy>>(networkPolicies(), { labelSelector: managedSelector }),
]);
for (const p of policyList.items) livePolicies.set(keyOf(p.metadata), p.spec);
const rendered = renderProfiles(
  profileList.items.map((value) => ({ value, source: keyOf(value.metadata) })),
  { settings: options.compiler },
);
await Promise.all([
  ...namespaceList.items.map(ensureBaseline),
  ...profileList.items.map((p, i) => ensureProfile(p, rendered.results[i] as RenderResult)),
]);
say({ event: 'synced', writes, uptimeMs: Math.round(performance.now()) });

// Steady state: react to changes the way the operator must, with nothing else in between.
const onProfile = (type: string, object: unknown) => {
  const profile = object as ProfileObject;
  const key = keyOf(profile.metadata);
  if (type === 'DELETED' || handled.get(key) === profile.metadata.generation) return;
  const namespace = profile.metadata.namespace as string;
  ensureProfile(
    profile,
    renderProfile(profile, { settings: options.compiler, defaultNamespace: namespace }),
  ).catch((error: unknown) => process.stderr.write(`floor: ${key}: ${String(error)}\n`));
};
const onNamespace = (type: string, object: unknown) => {
  if (type !== 'ADDED') return;
  ensureBaseline(object as KubeObject).catch((error: unknown) =>
    process.stderr.write(`floor: baseline: ${String(error)}\n`),
  );
};
const stops = [
  watch(kubeConfig, profiles(), {}, profileList.metadata.resourceVersion, onProfile),
  watch(kubeConfig, namespaces(), {}, namespaceList.metadata.resourceVersion, onNamespace),
];
process.on('SIGTERM', () => {
  for (const stop of stops) stop();
  rest.close();
  process.exit(0);
});
