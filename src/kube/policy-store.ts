// Writes of NetworkPolicies: create, server-side apply, delete with preconditions. The decision of
// *whether* to write is made from the informer cache so an unchanged object costs no request.
import { isDeepStrictEqual } from 'node:util';
import type { NetworkPolicy } from '../compiler/index.js';
import type { KubeObject } from './objects.js';
import { networkPolicies, networkPolicy } from './paths.js';
import type { KubeRest } from './rest.js';

export const FIELD_MANAGER = 'apptrust-operator';

export interface LivePolicy extends KubeObject {
  spec?: unknown;
}

/** True when `live` is controlled by the owner with this uid. */
export function isControlledBy(live: KubeObject, uid: string | undefined): boolean {
  return (
    uid !== undefined &&
    (live.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid)
  );
}

const isSubset = (want: Record<string, string> | undefined, have: Record<string, string> | undefined) =>
  Object.entries(want ?? {}).every(([k, v]) => have?.[k] === v);

/** Does the live object already carry everything we would apply? Then applying is a no-op. */
export function isUpToDate(live: LivePolicy, desired: NetworkPolicy): boolean {
  const ownersPresent = (desired.metadata.ownerReferences ?? []).every((want) =>
    (live.metadata.ownerReferences ?? []).some((have) => isDeepStrictEqual({ ...have }, { ...want })),
  );
  return (
    isDeepStrictEqual(live.spec, desired.spec) &&
    isSubset(desired.metadata.labels, live.metadata.labels) &&
    isSubset(desired.metadata.annotations, live.metadata.annotations) &&
    ownersPresent
  );
}

/** The NetworkPolicy writes the reconcilers make (an in-memory fake stands in for unit tests). */
export interface PolicyWriter {
  create(policy: NetworkPolicy): Promise<LivePolicy>;
  replace(live: LivePolicy, desired: NetworkPolicy): Promise<LivePolicy>;
  delete(namespace: string, name: string, uid: string | undefined): Promise<void>;
  /** A read past the cache (which may not have seen the object yet). */
  get(namespace: string, name: string): Promise<LivePolicy>;
}

export class PolicyStore implements PolicyWriter {
  constructor(private readonly rest: KubeRest) {}

  get(namespace: string, name: string): Promise<LivePolicy> {
    return this.rest.get<LivePolicy>(networkPolicy(namespace, name));
  }

  /** Create only: fails with AlreadyExists instead of taking over an object that is not ours. */
  create(policy: NetworkPolicy): Promise<LivePolicy> {
    return this.rest.request({
      method: 'POST',
      path: networkPolicies(policy.metadata.namespace),
      query: { fieldManager: FIELD_MANAGER },
      body: policy,
    });
  }

  /**
   * Puts an object we own back to exactly `desired`. Not server-side apply: SSA never removes a
   * field another manager set (a rule added by `kubectl edit`, an `ingress: [{}]` that allows
   * everything), so drift could survive it. A full-spec update with the live resourceVersion does
   * remove it; a concurrent change makes it fail with Conflict and the reconcile retries.
   */
  replace(live: LivePolicy, desired: NetworkPolicy): Promise<LivePolicy> {
    const { managedFields: _ignored, ...liveMeta } = live.metadata as LivePolicy['metadata'] & {
      managedFields?: unknown;
    };
    const metadata = {
      ...liveMeta,
      labels: { ...live.metadata.labels, ...desired.metadata.labels },
      ...(desired.metadata.annotations || live.metadata.annotations
        ? { annotations: { ...live.metadata.annotations, ...desired.metadata.annotations } }
        : {}),
      // Exactly the desired owners: none for the baseline (an owner a tenant added would let the
      // garbage collector delete it).
      ownerReferences: desired.metadata.ownerReferences ?? [],
    };
    const body = { apiVersion: desired.apiVersion, kind: desired.kind, metadata, spec: desired.spec };
    return this.rest.request({
      method: 'PUT',
      path: networkPolicy(desired.metadata.namespace, desired.metadata.name),
      query: { fieldManager: FIELD_MANAGER },
      body,
    });
  }

  /** Deletes exactly the object we saw (uid precondition), never a re-created namesake. */
  async delete(namespace: string, name: string, uid: string | undefined): Promise<void> {
    const body = uid ? { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid } } : undefined;
    await this.rest.delete(networkPolicy(namespace, name), body);
  }
}
