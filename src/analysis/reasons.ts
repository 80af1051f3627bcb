// Verdicts as sentences, the same in every output format.
import type { Direction } from '../api/v1alpha1/index.js';

/** One rule that allows the connection, and the profile flows that rendered it. */
export interface RuleMatch {
  /** "ns/name" of the NetworkPolicy. */
  policy: string;
  /** "spec.ingress[i]" or "spec.egress[i]". */
  rule: string;
  /** "ns/profile spec.allow[i]" (or "... spec.allowDNS"); empty for policies no profile rendered. */
  flows: string[];
  /** Enforce profiles governing the pod whose own rules do not allow this: this rule widens their intent. */
  widens?: string[];
}

/** The verdict of one direction, on the pod that direction's policies select. */
export interface DirectionVerdict {
  direction: Direction;
  pod: string;
  allowed: boolean;
  /** Policies that select the pod for this direction, "ns/name", sorted; none = not isolated. */
  isolatedBy: string[];
  allowedBy: RuleMatch[];
}

function ruleText(m: RuleMatch): string {
  const text = m.flows.length > 0 ? `${m.policy} ${m.rule} (${m.flows.join(', ')})` : `${m.policy} ${m.rule}`;
  return m.widens?.length ? `${text} [widens the intent of ${m.widens.join(', ')}]` : text;
}

/** e.g. "ingress to shop/api-0: isolated by shop/apptrust-default-deny; no rule allows". */
export function directionReason(v: DirectionVerdict): string {
  const head = v.direction === 'Egress' ? `egress from ${v.pod}` : `ingress to ${v.pod}`;
  if (v.isolatedBy.length === 0) return `${head}: not isolated: allowed by default`;
  const isolated = `isolated by ${v.isolatedBy.join(', ')}`;
  if (!v.allowed) return `${head}: ${isolated}; no rule allows`;
  return `${head}: ${isolated}; allowed by ${v.allowedBy.map(ruleText).join(', ')}`;
}
