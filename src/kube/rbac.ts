// The RBAC the operator needs, stated next to the code that needs it: every verb here is a request
// the kube/ layer issues, and nothing else (`make manifests` writes config/rbac/role.yaml and the
// Helm chart's copy from this list; the ServiceAccount integration test fails when one is missing).
import { GROUP, PLURAL } from '../api/v1alpha1/index.js';
import { BASELINE_RECORD_NAME } from './baseline-record.js';

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  /** Non-resource paths (/metrics): ClusterRoles only. */
  nonResourceURLs?: string[];
  /** Only these objects (never possible for create or list). */
  resourceNames?: string[];
  verbs: string[];
}

/**
 * What the operator does in a namespace whose profiles it reconciles: cluster-wide by default (a
 * ClusterRole), or as a Role in each namespace of --watch-namespaces (the Helm value
 * watchNamespaces renders it that way).
 */
export const NAMESPACED_RULES: PolicyRule[] = [
  // Informer (list + watch); the status subresource is written with server-side apply (PATCH).
  { apiGroups: [GROUP], resources: [PLURAL], verbs: ['list', 'watch'] },
  { apiGroups: [GROUP], resources: [`${PLURAL}/status`], verbs: ['patch'] },
  // Owner references with blockOwnerDeletion need update on the owner's finalizers where the
  // OwnerReferencesPermissionEnforcement admission plugin is on (OpenShift, our test control plane).
  // There is no finalizers endpoint on a custom resource: this grants nothing else.
  { apiGroups: [GROUP], resources: [`${PLURAL}/finalizers`], verbs: ['update'] },
  // Informer; create is POST (never adopts a foreign policy); drift repair is a full PUT (update),
  // because server-side apply cannot remove fields another manager added; prune is DELETE.
  // get: a POST onto an existing name answers AlreadyExists only to a caller that may get it (else
  // Forbidden, to hide existence), and AlreadyExists is how a foreign policy becomes a Conflict.
  {
    apiGroups: ['networking.k8s.io'],
    resources: ['networkpolicies'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
  },
  // `{service: NAME}` endpoints: the informer keeps each Service's type, selector and ports, and a
  // change re-renders the profiles that name it. Nothing is written.
  { apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] },
  // Events are deduplicated in memory and only ever created.
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create'] },
];

/** Always cluster-wide: namespaces are cluster-scoped (the baseline and the terminating check). */
export const CLUSTER_SCOPED_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
];

/**
 * The baseline's protected marker label, a merge patch of that label only. Granted only together
 * with the marker guard admission policy, which refuses this identity any other change to a
 * Namespace (config/admission/marker-role.yaml, Helm: with baseline.admissionGate); without it the
 * operator marks nothing (it asks the API server whether it may).
 */
export const MARKER_RULES: PolicyRule[] = [{ apiGroups: [''], resources: ['namespaces'], verbs: ['patch'] }];

/** The ClusterRole of config/default: everything cluster-wide. */
export const CLUSTER_RULES: PolicyRule[] = [...NAMESPACED_RULES, ...CLUSTER_SCOPED_RULES];

/**
 * Audit's evidence: which live flows (running pods × declared ports) enforcing would change. The
 * informer keeps only labels, IPs, declared ports and the owner of each pod; nothing is written.
 * A role of its own, so turning Audit evidence off (--audit-evidence=false, Helm
 * auditEvidence.enabled=false, the kustomize component without-audit-evidence) drops it.
 */
export const AUDIT_EVIDENCE_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
];

/** Authenticated /metrics (controller-runtime's secure metrics): who is asking, and may they get /metrics. */
export const METRICS_AUTH_RULES: PolicyRule[] = [
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
];

/** Bind this to the scraper (Prometheus' ServiceAccount): GET /metrics and nothing else. */
export const METRICS_READER_RULES: PolicyRule[] = [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }];

/** The leader election Lease's name when --lease-name is left at its default (the manifests' case). */
export const LEASE_NAME = 'apptrust-operator';

/**
 * In the operator's own namespace only: the leader election Lease, get/update on its one name.
 * create cannot be narrowed by resourceNames (the authorizer sees no name on a create), so it
 * stays a separate rule, confined to this namespace by the Role.
 */
export const LEADER_ELECTION_RULES: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    resourceNames: [LEASE_NAME],
    verbs: ['get', 'update'],
  },
];

/**
 * In the operator's own namespace only: the baseline record (created once; its spec kept up to
 * date; deleted by --baseline=false). create cannot be narrowed to a name.
 */
export const BASELINE_RECORD_RULES: PolicyRule[] = [
  { apiGroups: [GROUP], resources: ['baselinerecords'], verbs: ['create'] },
  {
    apiGroups: [GROUP],
    resources: ['baselinerecords'],
    resourceNames: [BASELINE_RECORD_NAME],
    // list/watch with fieldSelector metadata.name: the operator re-creates the record when it goes.
    verbs: ['get', 'list', 'watch', 'update', 'delete'],
  },
];

export const OPERATOR_NAME = 'apptrust-operator';
export const LEADER_ELECTION_ROLE = `${OPERATOR_NAME}-leader-election`;
export const BASELINE_RECORD_ROLE = `${OPERATOR_NAME}-baseline-record`;
export const MARKER_ROLE = `${OPERATOR_NAME}-namespace-marker`;
export const AUDIT_EVIDENCE_ROLE = `${OPERATOR_NAME}-audit-evidence`;
export const METRICS_AUTH_ROLE = `${OPERATOR_NAME}-metrics-auth`;
/** The contract's name: what a monitoring setup binds its scraper to. */
export const METRICS_READER_ROLE = 'apptrust-metrics-reader';
