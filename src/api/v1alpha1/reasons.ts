// Condition and Event reasons and Event actions: one place, beside the API types (as cert-manager keeps them), because
// users match on them in alerts, Argo CD health and scripts.

/** Reasons of the Ready condition of an AppTrustProfile. */
export const ConditionReason = {
  Reconciled: 'Reconciled',
  InvalidSpec: 'InvalidSpec',
  ApplyFailed: 'ApplyFailed',
  Conflict: 'Conflict',
  Audit: 'Audit',
} as const;
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];

/** Reasons of the Events the operator records. */
export const EventReason = {
  /** The profile's policies were changed to match a new spec. */
  Applied: 'Applied',
  /** An owned policy was put back after someone else changed or deleted it. */
  Repaired: 'Repaired',
  InvalidSpec: ConditionReason.InvalidSpec,
  ApplyFailed: ConditionReason.ApplyFailed,
  Conflict: ConditionReason.Conflict,
  /** What enforcing an Audit profile would change (when that changes). */
  Audit: ConditionReason.Audit,
  /** A DNS name of the profile could not be resolved; its last good addresses stay in force. */
  DNSResolutionFailed: 'DNSResolutionFailed',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

export const READY_CONDITION = 'Ready';

/** Whether every DNS name of the profile (spec.allow[].to.fqdn) resolved; present only when it has one. */
export const DNS_RESOLVED_CONDITION = 'DNSResolved';
/** Reasons of the DNSResolved condition. */
export const DnsResolvedReason = {
  Resolved: 'Resolved',
  /** A resolution failed or came back empty: the last good addresses stay in force. */
  ResolutionFailed: 'ResolutionFailed',
  /** More addresses than a name may have: the answer is not used, the last good addresses stay. */
  TooManyAddresses: 'TooManyAddresses',
  /** Not resolved yet: no address of the name is allowed until it is. */
  Pending: 'Pending',
} as const;
export type DnsResolvedReason = (typeof DnsResolvedReason)[keyof typeof DnsResolvedReason];

/** `{ A: 'A', ... }`: constants that are their own names, for the short lists below. */
function named<const T extends string>(...names: T[]): { readonly [K in T]: K } {
  return Object.fromEntries(names.map((n) => [n, n])) as { readonly [K in T]: K };
}

/**
 * Reasons of the Events about a namespace's deny-all baseline (recorded in that namespace):
 * created, restored (edited or deleted, put back), removed (opt-out, exclusion, rollback), blocked
 * (the baseline could not be put in place: the namespace is unmarked), and a baseline label value it does not know.
 */
export const BaselineEventReason = named(
  'BaselineCreated',
  'BaselineRestored',
  'BaselineRemoved',
  'BaselineBlocked',
  'UnknownBaselineValue',
);
export type BaselineEventReason = (typeof BaselineEventReason)[keyof typeof BaselineEventReason];

/** The `action` of an Event: what the operator did, or would do, about the object. */
export const EventAction = named(
  'Validate',
  'Apply',
  'Repair',
  'Audit',
  'Create',
  'Restore',
  'Delete',
  /** A DNS name of a profile was resolved (and failed). */
  'Resolve',
  /** What an analysis of the policies in force found (a widened intent, an undercut baseline). */
  'Analyze',
);
export type EventAction = (typeof EventAction)[keyof typeof EventAction];

/** Reasons of the Events about the admission gate (recorded in the operator's namespace). */
export const AdmissionGateEventReason = {
  /** The gate's BaselineRecord (or its CRD) is missing: the gate admits every pod. */
  Open: 'AdmissionGateOpen',
  /** The record was re-created (with its original time): the gate judges pods again. */
  RecordRestored: 'BaselineRecordRestored',
} as const;
export type AdmissionGateEventReason =
  (typeof AdmissionGateEventReason)[keyof typeof AdmissionGateEventReason];

/** Enforce profiles: False when a policy the profile does not own lets more reach or leave its components. */
export const INTENT_HONORED_CONDITION = 'IntentHonored';

/** Reasons of the IntentHonored condition (and of the Events sent when it changes). */
export const IntentReason = {
  /** No other NetworkPolicy allows more to or from the components than the profile declares. */
  Honored: 'Honored',
  /** Another NetworkPolicy (foreign, another profile's) allows flows the profile does not declare. */
  Widened: 'Widened',
} as const;
export type IntentReason = (typeof IntentReason)[keyof typeof IntentReason];

/** Namespace Event: a policy no profile owns allows traffic the deny-all baseline denies. */
export const BASELINE_UNDERCUT_REASON = 'BaselineUndercut';
