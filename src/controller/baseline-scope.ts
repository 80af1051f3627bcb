// Which namespaces get the deny-all baseline. Pure: the same rules are written in CEL in
// config/admission/gate.yaml (the admission gate refuses pods where this says "in scope" until the
// namespace carries the protected marker), so the two must change together.
import {
  BASELINE_OPT_IN_VALUE,
  BASELINE_OPT_OUT_LABEL,
  BASELINE_OPT_OUT_VALUE,
  PROTECTED_LABEL,
  PROTECTED_VALUE,
} from '../api/v1alpha1/keys.js';
import type { KubeObject } from '../kube/objects.js';

export { PROTECTED_LABEL, PROTECTED_VALUE };
/** The namespace label users set: `enabled` opts an existing namespace in, `disabled` opts out. */
export const BASELINE_LABEL = BASELINE_OPT_OUT_LABEL;
export const ACCEPTED_BASELINE_VALUES = [BASELINE_OPT_IN_VALUE, BASELINE_OPT_OUT_VALUE] as const;

export const ALWAYS_EXCLUDED = ['kube-system', 'kube-public', 'kube-node-lease'];

export interface BaselineScopeSettings {
  /** Never in scope: ALWAYS_EXCLUDED, the operator's namespace and --baseline-exclude. */
  excluded: ReadonlySet<string>;
  /** --watch-namespaces: when not empty, only these namespaces. */
  watched: readonly string[];
  /** --baseline-existing: namespaces created before the record are in scope too. */
  existing: boolean;
}

export type ScopeReason =
  | 'new' // created at or after the baseline was first enabled
  | 'opted-in' // label apptrust.dev/baseline=enabled
  | 'all-existing' // --baseline-existing
  | 'already-protected' // carries our marker or our baseline: never lose protection silently
  | 'excluded'
  | 'not-watched'
  | 'opted-out'
  | 'existing'; // created before the baseline was first enabled, not opted in

export interface ScopeDecision {
  inScope: boolean;
  reason: ScopeReason;
  /** A value of the baseline label that is neither `enabled` nor `disabled` (treated as absent). */
  unknownValue?: string;
}

export interface NamespaceFacts {
  namespace: KubeObject & { metadata: { creationTimestamp?: string } };
  /** creationTimestamp of the record: when the baseline was first enabled in the cluster. */
  enabledSince: string;
  /** The namespace holds a baseline policy that this operator created. */
  hasOurBaseline: boolean;
}

export function allExcluded(operatorNamespace: string, extra: Iterable<string>): Set<string> {
  return new Set([...ALWAYS_EXCLUDED, operatorNamespace, ...extra]);
}

export const isMarkedProtected = (ns: KubeObject): boolean =>
  ns.metadata.labels?.[PROTECTED_LABEL] === PROTECTED_VALUE;

/** RFC 3339 timestamps of the API server (second precision, UTC): compare as instants. */
const atOrAfter = (a: string | undefined, b: string): boolean =>
  a !== undefined && Date.parse(a) >= Date.parse(b);

export function baselineScope(facts: NamespaceFacts, settings: BaselineScopeSettings): ScopeDecision {
  const { namespace: ns } = facts;
  const name = ns.metadata.name;
  const value = ns.metadata.labels?.[BASELINE_LABEL];
  const unknownValue =
    value !== undefined && !(ACCEPTED_BASELINE_VALUES as readonly string[]).includes(value)
      ? value
      : undefined;
  const decide = (inScope: boolean, reason: ScopeReason): ScopeDecision =>
    unknownValue === undefined ? { inScope, reason } : { inScope, reason, unknownValue };

  if (settings.excluded.has(name)) return decide(false, 'excluded');
  if (settings.watched.length > 0 && !settings.watched.includes(name)) return decide(false, 'not-watched');
  if (value === BASELINE_OPT_OUT_VALUE) return decide(false, 'opted-out');
  if (value === BASELINE_OPT_IN_VALUE) return decide(true, 'opted-in');
  if (settings.existing) return decide(true, 'all-existing');
  // Equal seconds count as new: a namespace created in the same second as the record is protected.
  if (atOrAfter(ns.metadata.creationTimestamp, facts.enabledSince)) return decide(true, 'new');
  if (isMarkedProtected(ns) || facts.hasOurBaseline) return decide(true, 'already-protected');
  return decide(false, 'existing');
}
