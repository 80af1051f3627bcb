// Which intents of one namespace are widened, and whether its deny-all baseline is undercut (pure):
// the operator's caches in, per profile a widening and the IntentHonored condition out.
import { isDeepStrictEqual } from 'node:util';
import {
  type Component,
  type ExtraFlow,
  extraFlowText,
  type NamespaceLabels,
  type Pod,
  type Widening,
  WideningAnalyzer,
  type WideningWorld,
} from '../analysis/index.js';
import { type Condition, INTENT_HONORED_CONDITION, IntentReason, KIND } from '../api/v1alpha1/index.js';
import {
  BASELINE_POLICY_NAME,
  baselinePolicyFor,
  type NetworkPolicy,
  type Protocol,
  validateProfile,
} from '../compiler/index.js';
import type { OperatorOptions } from '../config.js';
import type { KubeObject } from '../kube/objects.js';
import type { SlimPod } from '../kube/pods.js';
import type { LivePolicy } from '../kube/policy-store.js';

/** How many extra flows a condition message or an Event names; the count covers all of them. */
export const MAX_FLOWS_NAMED = 5;

export interface NamespaceSnapshot {
  namespace: string;
  /** Namespace labels and pods as the analysis sees them (LivePods.world in the operator). */
  world: WideningWorld;
  /** Every NetworkPolicy of the namespace. */
  policies: readonly LivePolicy[];
  /** The profiles of the namespace. */
  profiles: ReadonlyArray<KubeObject & { spec?: unknown }>;
  /** The baseline the operator would write here: when the live one equals it, it adds nothing. */
  expectedBaseline: NetworkPolicy;
  /** The namespace carries the protected marker: its baseline is in place and must not be undercut. */
  protected: boolean;
  /** promiseOf, or a cache of it (a profile's spec changes far less often than its namespace). */
  promise?: (profile: KubeObject & { spec?: unknown }) => ProfilePromise | undefined;
}

/** What an Enforce profile with a valid spec promises: its components are isolated as declared. */
export interface ProfilePromise {
  components: readonly Component[];
}

/**
 * The promise of a profile, undefined when it makes none (invalid spec, Audit). The components
 * are the profile's own objects (validation passed), so a cache of promises holds no copies.
 */
export function promiseOf(profile: KubeObject & { spec?: unknown }): ProfilePromise | undefined {
  const valid = validateProfile({ ...profile, kind: profile.kind ?? KIND });
  if (!valid.ok || (valid.profile.spec.mode ?? 'Enforce') !== 'Enforce') return undefined;
  return { components: (profile.spec as { components: Component[] }).components };
}

export interface ProfileIntent {
  /** "namespace/name". */
  key: string;
  generation: number | undefined;
  /** Undefined for a profile that is not enforced (Audit, invalid): it promises nothing yet. */
  widening: Widening | undefined;
}

export interface NamespaceIntents {
  profiles: ProfileIntent[];
  /** The flows policies no profile owns allow beyond the baseline; undefined when not protected. */
  undercut: Widening | undefined;
}

const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP'];

/** Any pod with labels is judged (a pending pod is selected already); IPs count once it has them. */
export function knownPod(pod: SlimPod): Pod | undefined {
  if (!pod.metadata.namespace || pod.metadata.deletionTimestamp) return undefined;
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip);
  return {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
    labels: pod.metadata.labels ?? {},
    ip: pod.status?.podIP ?? '',
    ips: ips.length > 0 ? ips : pod.status?.podIP ? [pod.status.podIP] : [],
    ports: (pod.spec?.containers ?? [])
      .flatMap((c) => c.ports ?? [])
      .map((p) => ({
        port: p.containerPort,
        protocol: (PROTOCOLS.includes(p.protocol ?? 'TCP') ? (p.protocol ?? 'TCP') : 'TCP') as Protocol,
        ...(p.name ? { name: p.name } : {}),
      })),
    ...(owner ? { owner: `${owner.kind}/${owner.name}` } : {}),
  };
}

/** The pods cache as the analysis sees it: each cached pod converted once, by namespace on demand. */
export class LivePods {
  private readonly converted = new WeakMap<SlimPod, Pod | undefined>();

  /** `cache` absent: the operator may not watch pods (components are judged by their selectors). */
  constructor(
    private readonly cache:
      | { list(): SlimPod[]; byIndex(index: string, value: string): SlimPod[] }
      | undefined,
    private readonly namespaceIndex: string,
  ) {}

  all(): Pod[] {
    return this.known(this.cache?.list() ?? []);
  }

  in(namespace: string): Pod[] {
    return this.known(this.cache?.byIndex(this.namespaceIndex, namespace) ?? []);
  }

  /** A world for the analysis: this namespace's pods by index, every pod only if peers are needed. */
  world(namespaceLabels: NamespaceLabels): WideningWorld {
    const all = () => this.all();
    return {
      namespaces: [],
      namespaceLabels,
      get pods() {
        return all();
      },
      podsIn: (namespace) => this.in(namespace),
    };
  }

  private known(slims: readonly SlimPod[]): Pod[] {
    const out: Pod[] = [];
    for (const slim of slims) {
      if (!this.converted.has(slim)) this.converted.set(slim, knownPod(slim));
      const pod = this.converted.get(slim);
      if (pod) out.push(pod);
    }
    return out;
  }
}

const controllerOf = (p: LivePolicy) => p.metadata.ownerReferences?.find((r) => r.controller === true);

/** An untouched deny-all (with its optional DNS rule, an operator setting) widens nothing. */
function withoutUntouchedBaseline(policies: readonly LivePolicy[], expected: NetworkPolicy): NetworkPolicy[] {
  return policies.filter(
    (p) => !(p.metadata.name === BASELINE_POLICY_NAME && isDeepStrictEqual(p.spec, expected.spec)),
  ) as unknown as NetworkPolicy[];
}

export function namespaceIntents(s: NamespaceSnapshot): NamespaceIntents {
  const policies = withoutUntouchedBaseline(s.policies, s.expectedBaseline);
  const world = s.world;
  const analyzer = new WideningAnalyzer(world, s.namespace, policies);
  const ownedBy = new Map<string, Set<string>>();
  for (const p of s.policies) {
    const uid = controllerOf(p)?.uid;
    if (uid === undefined) continue;
    const names = ownedBy.get(uid);
    if (names) names.add(p.metadata.name);
    else ownedBy.set(uid, new Set([p.metadata.name]));
  }
  const profiles = s.profiles.map((profile): ProfileIntent => {
    const key = `${s.namespace}/${profile.metadata.name}`;
    const generation = profile.metadata.generation;
    const promise = (s.promise ?? promiseOf)(profile);
    if (!promise || !profile.metadata.uid) return { key, generation, widening: undefined };
    const own = ownedBy.get(profile.metadata.uid) ?? new Set<string>();
    return { key, generation, widening: analyzer.of(promise.components, own) };
  });
  return { profiles, undercut: s.protected ? undercutOf(s, world) : undefined };
}

export interface ProfileSnapshot {
  namespace: string;
  world: WideningWorld;
  /** Every NetworkPolicy of the namespace as cached. */
  policies: readonly LivePolicy[];
  /** The profile's uid: the policies it controls in the cache are replaced by `own`. */
  ownerUid: string;
  /** The profile's policies as it enforces them now (rendered: its writes may not be cached yet). */
  own: readonly NetworkPolicy[];
  components: readonly Component[];
  expectedBaseline: NetworkPolicy;
}

/**
 * One Enforce profile's widening, for the status write that also sets Ready: the namespace's other
 * policies from the cache against the profile's own as rendered. namespaceIntents answers the same
 * question for every profile of a namespace from the cache alone; both agree once it has caught up.
 */
export function profileWidening(s: ProfileSnapshot): Widening {
  const ownNames = new Set(s.own.map((p) => p.metadata.name));
  const others = s.policies.filter(
    (p) => controllerOf(p)?.uid !== s.ownerUid && !ownNames.has(p.metadata.name),
  );
  const policies = [...withoutUntouchedBaseline(others, s.expectedBaseline), ...s.own];
  return new WideningAnalyzer(s.world, s.namespace, policies).of(s.components, ownNames);
}

/** Against the baseline, every policy a profile owns is declared intent; any other one undercuts it. */
function undercutOf(s: NamespaceSnapshot, world: WideningWorld): Widening {
  const foreign = s.policies.filter(
    (p) => p.metadata.name !== BASELINE_POLICY_NAME && controllerOf(p)?.kind !== KIND,
  ) as unknown as NetworkPolicy[];
  // Nothing but the baseline: nothing to undercut it (most namespaces; no analyzer to build).
  if (foreign.length === 0) return { policies: [], flows: [] };
  const analyzer = new WideningAnalyzer(world, s.namespace, [s.expectedBaseline, ...foreign]);
  return analyzer.of([{ name: 'pods', podSelector: {} }], new Set([BASELINE_POLICY_NAME]));
}

function flowsText(flows: readonly ExtraFlow[]): string {
  const named = flows.slice(0, MAX_FLOWS_NAMED).map(extraFlowText).join('; ');
  const more =
    flows.length > MAX_FLOWS_NAMED
      ? ` (${flows.length} extra flows, the first ${MAX_FLOWS_NAMED} shown)`
      : '';
  return `${named}${more}`;
}

/**
 * The IntentHonored condition for a widening (lastTransitionTime is set by the writer). No
 * observedGeneration: it judges the policies in force, not a spec generation, and stamping one
 * would cost a status write on every spec change that widens nothing.
 */
export function intentCondition(widening: Widening): Omit<Condition, 'lastTransitionTime'> {
  if (widening.flows.length === 0)
    return {
      type: INTENT_HONORED_CONDITION,
      status: 'True',
      reason: IntentReason.Honored,
      message: 'no other NetworkPolicy allows more to or from the components than the profile declares',
    };
  return {
    type: INTENT_HONORED_CONDITION,
    status: 'False',
    reason: IntentReason.Widened,
    message: `widened by ${widening.policies.join(', ')} (NetworkPolicies add up): ${flowsText(widening.flows)}`,
  };
}

/** The baseline the operator writes into a namespace (what an untouched one looks like); none with --baseline=false. */
export function expectedBaselineOf(
  options: Pick<OperatorOptions, 'baseline' | 'baselineAllowDNS' | 'compiler'>,
): ((namespace: string) => NetworkPolicy) | undefined {
  if (!options.baseline) return undefined;
  return (namespace) =>
    baselinePolicyFor(namespace, { allowDNS: options.baselineAllowDNS, settings: options.compiler });
}

/** With --baseline=false there is no baseline to leave out: one that matches no policy by name. */
export const emptyBaseline = (namespace: string): NetworkPolicy => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: '', namespace, labels: {} },
  spec: { podSelector: {}, policyTypes: [] },
});

/** The Namespace Event's note for an undercut baseline. */
export function undercutNote(undercut: Widening): string {
  return `deny-all ${BASELINE_POLICY_NAME} undercut by ${undercut.policies.join(', ')} (no profile owns them): ${flowsText(undercut.flows)}`;
}
