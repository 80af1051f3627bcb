// Where Audit's evidence reads the cluster: a pods cache (slimmed) and a cache of every
// NetworkPolicy (not only ours: the verdict needs all of them), both informers, so an evaluation
// costs no request. Built only when Audit evidence is enabled (--audit-evidence): without it the
// operator neither watches pods nor holds the RBAC to.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { NetworkPolicy } from '../compiler/index.js';
import { namespacedCache, type ObjectCache } from '../kube/cache.js';
import type { KubeObject } from '../kube/objects.js';
import { networkPolicies, pods } from '../kube/paths.js';
import { type SlimPod, slimPod } from '../kube/pods.js';
import type { KubeRest } from '../kube/rest.js';
import { type EvidenceLimits, type FlowEvidence, flowEvidence } from './audit-evidence.js';

/** A NetworkPolicy as the analysis reads it: name, namespace and spec. */
function slimPolicy(policy: NetworkPolicy): NetworkPolicy {
  const { name, namespace, uid, resourceVersion } = policy.metadata as NetworkPolicy['metadata'] &
    KubeObject['metadata'];
  return {
    apiVersion: policy.apiVersion,
    kind: policy.kind,
    metadata: { name, namespace, ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) },
    spec: policy.spec,
  } as NetworkPolicy;
}

export class AuditEvidenceSource {
  private readonly pods: ObjectCache<SlimPod>;
  private readonly policies: ObjectCache<NetworkPolicy & KubeObject>;

  constructor(
    rest: KubeRest,
    kubeConfig: KubeConfig,
    watched: readonly string[],
    log: Logger,
    private readonly namespaces: { list(): KubeObject[] },
    private readonly limits: EvidenceLimits,
  ) {
    this.pods = namespacedCache(rest, kubeConfig, pods, watched, log, undefined, slimPod);
    this.policies = namespacedCache(
      rest,
      kubeConfig,
      networkPolicies,
      watched,
      log,
      undefined,
      slimPolicy as (p: NetworkPolicy & KubeObject) => NetworkPolicy & KubeObject,
    );
  }

  /** The informers to start, stop and wait for with the operator's own. */
  caches(): Array<ObjectCache<KubeObject>> {
    return [this.pods, this.policies] as Array<ObjectCache<KubeObject>>;
  }

  evaluate(
    namespace: string,
    owned: ReadonlySet<string>,
    rendered: readonly NetworkPolicy[],
  ): Promise<FlowEvidence> {
    const live = {
      namespaces: this.namespaces.list(),
      pods: this.pods.list(),
      policies: this.policies.list(),
    };
    return flowEvidence(live, namespace, owned, rendered, this.limits);
  }
}
