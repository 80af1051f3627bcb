// Sets or removes one label of a Namespace with a JSON merge patch: nothing else of the object is
// sent, so the operator changes only that label (the marker guard admission policy insists).
import { namespace } from './paths.js';
import type { KubeRest } from './rest.js';

export class NamespaceLabels {
  constructor(private readonly rest: KubeRest) {}

  /**
   * Whether this identity may patch namespaces at all (a SelfSubjectAccessReview, which any
   * authenticated identity may ask): the deploy manifests grant it only with the marker guard.
   */
  async mayPatch(): Promise<boolean> {
    const review = await this.rest.request<{ status?: { allowed?: boolean } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: 'patch', resource: 'namespaces' } },
      },
    });
    return review.status?.allowed === true;
  }

  /** `value: null` removes the label. */
  async set(name: string, key: string, value: string | null): Promise<void> {
    await this.rest.request({
      method: 'PATCH',
      path: namespace(name),
      query: { fieldManager: 'apptrust-operator' },
      body: { metadata: { labels: { [key]: value } } },
      contentType: 'application/merge-patch+json',
    });
  }
}
