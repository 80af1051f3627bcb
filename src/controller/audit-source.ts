// Where Audit's evidence reads the cluster: the pods cache (slimmed) and the shared cache of every
// NetworkPolicy (not only ours: the verdict needs all of them), both informers, so an evaluation
// costs no request. Asked for only when Audit evidence is enabled (--audit-evidence): without it the
// operator neither watches pods nor holds the RBAC to.
import type { NetworkPolicy } from '../compiler/index.js';
import { type FlowEvidence, flowEvidence } from './audit-evidence.js';
import { MANAGED_POLICIES, NAMESPACES, PODS } from './caches.js';
import type { Manager } from './controller.js';

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
  const policies = manager.cache(MANAGED_POLICIES);
  const limits = manager.options.auditLimits;
  return (namespace, owned, rendered) =>
    flowEvidence(
      {
        namespaces: namespaces.list(),
        pods: pods.list(),
        // LivePolicy is the wire object read back (apiVersion optional); the analysis reads spec and metadata.
        policies: policies.list() as unknown as NetworkPolicy[],
      },
      namespace,
      owned,
      rendered,
      limits,
    );
}
