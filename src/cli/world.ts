// Builds the analysis world from what the CLI read: profiles from files are rendered on the fly and
// replace the policies their profile owns; live objects (--cluster) come first and files override
// them, so "the cluster with these files applied" is one world.
import type { Namespace, Pod, World } from '../analysis/index.js';
import type { AppTrustProfile } from '../api/v1alpha1/index.js';
import {
  BASELINE_OPT_OUT_LABEL,
  BASELINE_OPT_OUT_VALUE,
  BASELINE_POLICY_NAME,
  baselinePolicyFor,
  type CompilerSettings,
  type EndpointInputs,
  formatDiagnostic,
  type NetworkPolicy,
  PROFILE_LABEL,
  renderProfiles,
  validateProfile,
} from '../compiler/index.js';
import { emptyInput, type WorldInput } from './world-input.js';

export interface BuildOptions {
  settings: CompilerSettings;
  defaultNamespace: string;
  /** Add the deny-all baseline to every namespace of the world in the operator's default scope. */
  baseline: boolean;
  /** What fqdn and service endpoints render from (Services of the inputs, --fqdn, --resolve). */
  inputs?: EndpointInputs;
}

/** Namespaces the operator never puts a baseline into (its own namespace under its default name). */
const NEVER_BASELINED = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'apptrust-system']);

const keyOf = (o: { namespace: string; name: string }) => `${o.namespace}/${o.name}`;
const policyKey = (p: NetworkPolicy) => `${p.metadata.namespace}/${p.metadata.name}`;

function validProfiles(input: WorldInput, defaultNamespace: string): AppTrustProfile[] {
  const out: AppTrustProfile[] = [];
  for (const source of input.profiles) {
    const v = validateProfile(source.value);
    if (!v.ok) continue;
    const namespace = v.profile.metadata.namespace ?? defaultNamespace;
    out.push({ ...v.profile, metadata: { ...v.profile.metadata, namespace } });
  }
  return out;
}

function inBaselineScope(ns: Namespace): boolean {
  return !NEVER_BASELINED.has(ns.name) && ns.labels?.[BASELINE_OPT_OUT_LABEL] !== BASELINE_OPT_OUT_VALUE;
}

type RenderedProfile = ReturnType<typeof renderProfiles>['results'][number];

/** Live and file policies, then each valid profile's rendering replacing what it owned before. */
function policiesOf(
  files: WorldInput,
  live: WorldInput,
  rendered: RenderedProfile[],
): Map<string, NetworkPolicy> {
  const policies = new Map<string, NetworkPolicy>();
  for (const p of [...live.policies, ...files.policies]) policies.set(policyKey(p), p);
  for (const r of rendered) {
    // A removed component's policy goes with the rest of what the profile owned.
    const owned = r.policies[0]?.metadata.labels[PROFILE_LABEL];
    for (const [key, p] of policies)
      if (
        owned !== undefined &&
        p.metadata.namespace === r.namespace &&
        p.metadata.labels?.[PROFILE_LABEL] === owned
      )
        policies.delete(key);
    for (const p of r.policies) policies.set(policyKey(p), p);
  }
  return policies;
}

/** Named namespaces, then every namespace a pod, policy or profile lives in. */
function namespacesOf(inputs: WorldInput[], implied: string[]): Map<string, Namespace> {
  const namespaces = new Map<string, Namespace>();
  for (const n of inputs.flatMap((i) => i.namespaces)) namespaces.set(n.name, n);
  for (const name of implied) if (!namespaces.has(name)) namespaces.set(name, { name, labels: {} });
  return namespaces;
}

function addBaselines(
  policies: Map<string, NetworkPolicy>,
  namespaces: Iterable<Namespace>,
  settings: CompilerSettings,
) {
  for (const ns of namespaces) {
    const key = `${ns.name}/${BASELINE_POLICY_NAME}`;
    if (inBaselineScope(ns) && !policies.has(key))
      policies.set(key, baselinePolicyFor(ns.name, { allowDNS: false, settings }));
  }
}

const sortedValues = <T>(entries: Map<string, T>) =>
  [...entries.keys()].sort().map((k) => entries.get(k) as T);

export function buildWorld(
  files: WorldInput,
  live: WorldInput = emptyInput(),
  options: BuildOptions,
): { world: World; problems: string[] } {
  const { results } = renderProfiles(files.profiles, {
    settings: options.settings,
    defaultNamespace: options.defaultNamespace,
    ...(options.inputs ? { inputs: options.inputs } : {}),
  });
  const problems = [...live.problems, ...files.problems];
  for (const r of results)
    for (const d of r.diagnostics)
      problems.push(`${r.source}: ${r.namespace}/${r.name}: ${formatDiagnostic(d)}`);
  const policies = policiesOf(
    files,
    live,
    results.filter((r) => r.diagnostics.length === 0),
  );
  const pods = new Map<string, Pod>();
  for (const p of [...live.pods, ...files.pods]) pods.set(keyOf(p), p);
  const namespaces = namespacesOf(
    [live, files],
    [
      ...[...pods.values()].map((p) => p.namespace),
      ...[...policies.values()].map((p) => p.metadata.namespace),
      ...results.map((r) => r.namespace),
    ],
  );
  if (options.baseline) addBaselines(policies, namespaces.values(), options.settings);
  const profiles = new Map<string, AppTrustProfile>();
  for (const p of [
    ...validProfiles(live, options.defaultNamespace),
    ...validProfiles(files, options.defaultNamespace),
  ])
    profiles.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
  return {
    world: {
      namespaces: sortedValues(namespaces),
      pods: sortedValues(pods),
      policies: sortedValues(policies),
      profiles: sortedValues(profiles),
      settings: options.settings,
      ...(options.inputs ? { inputs: options.inputs } : {}),
    },
    problems,
  };
}
