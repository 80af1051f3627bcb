// Sets or removes one label of a Namespace with a JSON merge patch: nothing else of the object is
// sent, so the operator changes only that label (the marker guard admission policy insists).
import { namespace } from './paths.js';
import type { KubeRest } from './rest.js';

export class NamespaceLabels {
  constructor(private readonly rest: KubeRest) {}

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
