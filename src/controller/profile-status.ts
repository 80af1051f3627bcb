// What a profile's status should say, computed from the outcome of a reconcile (pure). Only the
// fields and the condition type this operator owns: another writer's conditions are neither copied
// into our server-side apply (which would take them over) nor a reason to write.
import type { AuditSummary, Condition, Mode, ProfileStatus } from '../api/v1alpha1/index.js';
import { DNS_RESOLVED, INTENT_HONORED, READY, Reason, withCondition } from './conditions.js';
import type { DnsReport } from './fqdn-tracker.js';

export interface ReconcileOutcome {
  mode: Mode;
  generation: number | undefined;
  policies: string[];
  reason: Reason;
  message: string;
  audit?: AuditSummary;
  /** The profile's DNS names (only when it has some): status.fqdn and the DNSResolved condition. */
  dns?: DnsReport;
  /** Enforce only: whether other policies widen the intent (intent-widening.ts); absent: no such promise. */
  intent?: Omit<Condition, 'lastTransitionTime'>;
}

/** The condition types this operator writes. */
const OURS = new Set([READY, DNS_RESOLVED, INTENT_HONORED]);

/** Far below the CRD's 32 KiB: a status is read by people and dashboards, not a dump. */
const MAX_MESSAGE = 8192;

function fitMessage(message: string): string {
  if (message.length <= MAX_MESSAGE) return message;
  const cut = message.slice(0, MAX_MESSAGE - 80);
  return `${cut} … (${message.length - cut.length} more characters: apptrust validate lists every problem)`;
}

export function desiredStatus(
  current: ProfileStatus | undefined,
  outcome: ReconcileOutcome,
  now: () => string,
): ProfileStatus {
  const ready: Omit<Condition, 'lastTransitionTime'> = {
    type: READY,
    status: outcome.reason === Reason.Reconciled || outcome.reason === Reason.Audit ? 'True' : 'False',
    reason: outcome.reason,
    message: fitMessage(outcome.message),
    ...(outcome.generation !== undefined ? { observedGeneration: outcome.generation } : {}),
  };
  const policies = [...outcome.policies].sort();
  const ours = current?.conditions?.filter((c) => c.type === READY);
  let conditions = withCondition(ours, ready, now);
  if (outcome.dns) {
    const previous = current?.conditions?.filter((c) => c.type === DNS_RESOLVED);
    const dns = withCondition(
      previous,
      {
        type: DNS_RESOLVED,
        status: outcome.dns.resolved ? 'True' : 'False',
        reason: outcome.dns.reason,
        message: fitMessage(outcome.dns.message),
        ...(outcome.generation !== undefined ? { observedGeneration: outcome.generation } : {}),
      },
      now,
    );
    conditions = [...conditions, ...dns];
  }
  if (outcome.intent) {
    const previous = current?.conditions?.filter((c) => c.type === INTENT_HONORED);
    conditions = [...conditions, ...withCondition(previous, outcome.intent, now)];
  }
  return {
    ...(outcome.generation !== undefined ? { observedGeneration: outcome.generation } : {}),
    mode: outcome.mode,
    policyCount: policies.length,
    policies,
    conditions,
    ...(outcome.audit ? { audit: outcome.audit } : {}),
    ...(outcome.dns ? { fqdn: outcome.dns.fqdn } : {}),
  };
}

/** Only the fields we write, so fields of other writers never make us think status changed. */
export function ownedStatusFields(status: ProfileStatus | undefined): ProfileStatus {
  const ready = status?.conditions?.filter((c) => OURS.has(c.type));
  return {
    ...(status?.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
    ...(status?.mode !== undefined ? { mode: status.mode } : {}),
    ...(status?.policyCount !== undefined ? { policyCount: status.policyCount } : {}),
    ...(status?.policies !== undefined ? { policies: status.policies } : {}),
    ...(ready && ready.length > 0 ? { conditions: ready } : {}),
    ...(status?.audit !== undefined ? { audit: status.audit } : {}),
    ...(status?.fqdn !== undefined ? { fqdn: status.fqdn } : {}),
  };
}
