import {
  API_VERSION,
  type AppTrustProfile,
  type Component,
  DIRECTIONS,
  type Direction,
  KIND,
  type LabelSelector,
  type Mode,
} from '../api/v1alpha1/index.js';
import { checkRenderBudget } from './budget.js';
import { sortKeys } from './canonical.js';
import { type Diagnostic, sortDiagnostics } from './diagnostics.js';
import { checkEndpoints } from './endpoints.js';
import { dnsGrant, egressGrants, egressRule, ingressGrants, ingressRule, mergeGrants } from './grants.js';
import {
  COMPONENT_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  PROFILE_LABEL,
  PROFILE_NAME_ANNOTATION,
} from './labels.js';
import { labelValue, policyName } from './names.js';
import type { NetworkPolicy } from './networkpolicy.js';
import type { EndpointInputs, PeerContext } from './peers.js';
import { canonicalSelector } from './selectors.js';
import { type CompilerSettings, DEFAULT_SETTINGS } from './settings.js';
import { validateProfile } from './validate.js';

export interface RenderOptions {
  settings?: CompilerSettings;
  /** Namespace for a profile that names none (the CLI's -n); default "default". */
  defaultNamespace?: string;
  /** Addresses of DNS names and Service objects that fqdn and service endpoints resolve against. */
  inputs?: EndpointInputs;
}

/** The outcome for one profile: its policies when valid, its problems when not. */
export interface RenderResult {
  namespace: string;
  name: string;
  mode: Mode;
  policies: NetworkPolicy[];
  diagnostics: Diagnostic[];
  /** DNS names the profile goes to that have no addresses yet: no ipBlock was rendered for them. */
  unresolved: string[];
}

interface Effective {
  isolate: ReadonlySet<Direction>;
  allowDNS: boolean;
  peers: PeerContext;
}

/** Validates and renders one profile (any value: a total function, it never throws). */
export function renderProfile(input: unknown, options: RenderOptions = {}): RenderResult {
  const validation = validateProfile(input);
  const raw = input as {
    metadata?: { name?: unknown; namespace?: unknown };
    spec?: { mode?: unknown };
  } | null;
  const meta = raw?.metadata;
  const fallbackNamespace = options.defaultNamespace ?? 'default';
  if (!validation.ok) {
    return {
      namespace: typeof meta?.namespace === 'string' ? meta.namespace : fallbackNamespace,
      name: typeof meta?.name === 'string' ? meta.name : '',
      mode: raw?.spec?.mode === 'Audit' ? 'Audit' : 'Enforce', // what was asked, even when invalid
      policies: [],
      diagnostics: validation.diagnostics,
      unresolved: [],
    };
  }
  const profile = validation.profile;
  const namespace = profile.metadata.namespace ?? fallbackNamespace;
  const inputs = options.inputs ?? {};
  const endpoints = checkEndpoints(profile, namespace, inputs);
  if (endpoints.diagnostics.length > 0)
    return {
      namespace,
      name: profile.metadata.name,
      mode: profile.spec.mode ?? 'Enforce',
      policies: [],
      diagnostics: sortDiagnostics(endpoints.diagnostics),
      unresolved: endpoints.unresolved,
    };
  const policies = renderValidProfile(profile, namespace, options.settings ?? DEFAULT_SETTINGS, inputs);
  const componentIndex = (policy: NetworkPolicy) =>
    profile.spec.components.findIndex((c) => c.name === policy.metadata.labels[COMPONENT_LABEL]);
  const overBudget = checkRenderBudget(policies, componentIndex);
  return {
    namespace,
    name: profile.metadata.name,
    mode: profile.spec.mode ?? 'Enforce',
    // Over budget is invalid input: nothing is rendered, so the operator keeps the last good policies.
    policies: overBudget.length > 0 ? [] : policies,
    diagnostics: sortDiagnostics(overBudget),
    unresolved: endpoints.unresolved,
  };
}

/** The policies of a profile that passed validation, sorted by name. */
export function renderValidProfile(
  profile: AppTrustProfile,
  namespace: string,
  settings: CompilerSettings,
  inputs: EndpointInputs = {},
): NetworkPolicy[] {
  const spec = profile.spec;
  const selectors = new Map<string, LabelSelector>(spec.components.map((c) => [c.name, c.podSelector]));
  const effective: Effective = {
    isolate: new Set(spec.isolate ?? DIRECTIONS),
    allowDNS: spec.allowDNS ?? true,
    peers: { namespace, selectors, inputs },
  };
  return spec.components
    .map((component) => policyForComponent(profile, namespace, component, effective, settings))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

function policyForComponent(
  profile: AppTrustProfile,
  namespace: string,
  component: Component,
  effective: Effective,
  settings: CompilerSettings,
): NetworkPolicy {
  const flows = profile.spec.allow ?? [];
  const policyTypes = DIRECTIONS.filter((d) => effective.isolate.has(d));
  const spec: NetworkPolicy['spec'] = { podSelector: canonicalSelector(component.podSelector), policyTypes };
  if (effective.isolate.has('Ingress')) {
    const ingress = mergeGrants(ingressGrants(component.name, flows, effective.peers)).map(ingressRule);
    if (ingress.length > 0) spec.ingress = ingress;
  }
  if (effective.isolate.has('Egress')) {
    const grants = egressGrants(component.name, flows, effective.peers);
    if (effective.allowDNS) grants.push(dnsGrant(settings));
    const egress = mergeGrants(grants).map(egressRule);
    if (egress.length > 0) spec.egress = egress;
  }
  return sortKeys({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadataFor(profile, namespace, component.name),
    spec,
  });
}

function metadataFor(
  profile: AppTrustProfile,
  namespace: string,
  component: string,
): NetworkPolicy['metadata'] {
  const profileName = profile.metadata.name;
  const profileLabel = labelValue(profileName);
  const metadata: NetworkPolicy['metadata'] = {
    name: policyName(profileName, component),
    namespace,
    labels: {
      [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
      [PROFILE_LABEL]: profileLabel,
      [COMPONENT_LABEL]: component,
    },
  };
  if (profileLabel !== profileName) metadata.annotations = { [PROFILE_NAME_ANNOTATION]: profileName };
  if (profile.metadata.uid) {
    metadata.ownerReferences = [
      {
        apiVersion: API_VERSION,
        kind: KIND,
        name: profileName,
        uid: profile.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
  }
  return metadata;
}
