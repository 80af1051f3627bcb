// Labels and annotations the operator writes. Never anything copied from a profile: GitOps tools
// (Argo CD's app.kubernetes.io/instance) would otherwise adopt or prune our generated children.

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'apptrust-operator';
export const PROFILE_LABEL = 'apptrust.dev/profile';
export const COMPONENT_LABEL = 'apptrust.dev/component';
/** On the baseline policy, to tell it from profile policies in the same informer. */
export const POLICY_KIND_LABEL = 'apptrust.dev/policy-kind';
/** Full profile name when the PROFILE_LABEL value had to be truncated to 63 characters. */
export const PROFILE_NAME_ANNOTATION = 'apptrust.dev/profile-name';
/** A namespace label that opts the namespace out of the baseline. */
export const BASELINE_OPT_OUT_LABEL = 'apptrust.dev/baseline';
export const BASELINE_OPT_OUT_VALUE = 'disabled';
/** Opts an existing namespace (created before the baseline was first enabled) in. */
export const BASELINE_OPT_IN_VALUE = 'enabled';
/** On the baseline policy: what it is and how to opt out, for whoever finds it with kubectl. */
export const DESCRIPTION_ANNOTATION = 'apptrust.dev/description';
export const BASELINE_DESCRIPTION =
  'Deny-all baseline of the apptrust operator: every pod of this namespace is isolated for ingress and egress until a profile or another NetworkPolicy allows a flow. Opt the namespace out: kubectl label namespace NAMESPACE apptrust.dev/baseline=disabled';
export const BASELINE_POLICY_NAME = 'apptrust-default-deny';
