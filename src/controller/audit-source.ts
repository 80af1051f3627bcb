// Where Audit's evidence reads the cluster: the pods cache (slimmed) and a cache of every
// NetworkPolicy (not only ours: the verdict needs all of them), both informers, so an evaluation
// costs no request. Asked for only when Audit evidence is enabled (--audit-evidence): without it the
// operator neither watches pods nor holds the RBAC to.
import type { NetworkPolicy } from '../compiler/index.js';
import { namespacedCache } from '../kube/cache.js';
import type { KubeObject } from '../kube/objects.js';
import { networkPolicies } from '../kube/paths.js';
import { type FlowEvidence, flowEvidence } from './audit-evidence.js';
import { type CacheSpec, NAMESPACES, PODS } from './caches.js';
import type { Manager } from './controller.js';

type AnyPolicy = NetworkPolicy & KubeObject;

/** A NetworkPolicy as the analysis reads it: name, namespace and spec. */
function slimPolicy(policy: AnyPolicy): AnyPolicy {
  const { name, namespace, uid, resourceVersion } = policy.metadata;
  return {
    apiVersion: policy.apiVersion,
    kind: policy.kind,
    metadata: { name, namespace, ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) },
    spec: policy.spec,
  } as AnyPolicy;
}

/** Every NetworkPolicy in scope, ours or not (Audit's verdicts need all of them). */
export const ALL_POLICIES: CacheSpec<AnyPolicy> = {
  name: 'networkpolicies-all',
  create: (c) =>
    namespacedCache<AnyPolicy>(
      c.rest,
      c.kubeConfig,
      networkPolicies,
      c.watched,
      c.log,
      undefined,
      slimPolicy,
    ),
};

export type AuditEvidence = (
  namespace: string,
  owned: ReadonlySet<string>,
  rendered: readonly NetworkPolicy[],
) => Promise<FlowEvidence>;

/** The evaluation over the caches, or undefined (and no pods cache) when Audit evidence is off. */
export function auditEvidenceSource(manager: Manager): AuditEvidence | undefined {
  if (!manager.options.auditEvidence) return undefined;
  const namespaces = manager.cache(NAMESPACES);
  const pods = manager.cache(PODS);
  const policies = manager.cache(ALL_POLICIES);
  const limits = manager.options.auditLimits;
  return (namespace, owned, rendered) =>
    flowEvidence(
      { namespaces: namespaces.list(), pods: pods.list(), policies: policies.list() },
      namespace,
      owned,
      rendered,
      limits,
    );
}
