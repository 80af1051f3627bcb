// Writes the IntentHonored condition of an AppTrustProfile with server-side apply under a field
// manager of its own: conditions are a list-map keyed by type, so the profile reconciler's apply of
// Ready and this one never remove each other's entry, and neither has to read the other's.
import { API_VERSION, type Condition, KIND } from '../api/v1alpha1/index.js';
import { profileStatus } from './paths.js';
import type { KubeRest } from './rest.js';

export const INTENT_FIELD_MANAGER = 'apptrust-operator-intent';

export interface IntentStatusApplier {
  /** Applies exactly these conditions of ours; [] removes ours. */
  applyConditions(namespace: string, name: string, conditions: Condition[]): Promise<void>;
}

export class IntentStatusWriter implements IntentStatusApplier {
  constructor(private readonly rest: KubeRest) {}

  async applyConditions(namespace: string, name: string, conditions: Condition[]): Promise<void> {
    const body = {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { name, namespace },
      status: { conditions },
    };
    await this.rest.apply(profileStatus(namespace, name), body, INTENT_FIELD_MANAGER);
  }
}
