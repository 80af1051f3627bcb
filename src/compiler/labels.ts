// What the compiler puts on the policies it renders. The keys live beside the API types
// (api/v1alpha1/keys.ts); re-exported here for the compiler's callers.
import { BASELINE_OPT_OUT_LABEL, BASELINE_OPT_OUT_VALUE } from '../api/v1alpha1/keys.js';

export * from '../api/v1alpha1/keys.js';

export const BASELINE_DESCRIPTION = `Deny-all baseline of the apptrust operator: every pod of this namespace is isolated for ingress and egress until a profile or another NetworkPolicy allows a flow. Opt the namespace out: kubectl label namespace NAMESPACE ${BASELINE_OPT_OUT_LABEL}=${BASELINE_OPT_OUT_VALUE}`;
export const BASELINE_POLICY_NAME = 'apptrust-default-deny';
