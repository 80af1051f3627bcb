// Verdicts as sentences, the same in every output format.
import type { DirectionVerdict, RuleMatch } from './verdict.js';

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
