// Label and annotation keys (and their fixed values) the operator writes or reads: one home beside
// the API types, because users select on them (kubectl, GitOps tools, the admission gate's CEL).
// Never anything copied from a profile: GitOps tools (Argo CD's app.kubernetes.io/instance) would
// otherwise adopt or prune our generated children.

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'apptrust-operator';
export const PROFILE_LABEL = 'apptrust.dev/profile';
export const COMPONENT_LABEL = 'apptrust.dev/component';
/** On the baseline policy, to tell it from profile policies in the same informer. */
export const POLICY_KIND_LABEL = 'apptrust.dev/policy-kind';
/** The POLICY_KIND_LABEL value of the deny-all baseline. */
export const BASELINE_POLICY_KIND = 'baseline';
/** Full profile name when the PROFILE_LABEL value had to be truncated to 63 characters. */
export const PROFILE_NAME_ANNOTATION = 'apptrust.dev/profile-name';
/** A namespace label: `enabled` opts an existing namespace into the baseline, `disabled` opts out. */
export const BASELINE_OPT_OUT_LABEL = 'apptrust.dev/baseline';
export const BASELINE_OPT_OUT_VALUE = 'disabled';
/** Opts an existing namespace (created before the baseline was first enabled) in. */
export const BASELINE_OPT_IN_VALUE = 'enabled';
/**
 * Set by the operator (and, per the guard admission policy, only by it) right after the baseline
 * exists: the admission gate admits pods of a namespace in scope only once it is there.
 */
export const PROTECTED_LABEL = 'apptrust.dev/baseline-protected';
export const PROTECTED_VALUE = 'true';
/** On the baseline policy: what it is and how to opt out, for whoever finds it with kubectl. */
export const DESCRIPTION_ANNOTATION = 'apptrust.dev/description';
