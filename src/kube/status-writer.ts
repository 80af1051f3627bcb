// Writes an AppTrustProfile's status with server-side apply: the body holds only the fields this
// operator owns, so another writer's fields and conditions stay theirs.
import { API_VERSION, KIND, type ProfileStatus } from '../api/v1alpha1/index.js';
import { profileStatus } from './paths.js';
import { FIELD_MANAGER } from './policy-store.js';
import type { KubeRest } from './rest.js';

/**
 * The field manager under which earlier versions applied IntentHonored on its own (it is now part
 * of the one status write): an apply under it with no conditions gives up what it still holds.
 */
export const LEGACY_INTENT_FIELD_MANAGER = 'apptrust-operator-intent';

export interface StatusApplier {
  /** Resolves to the profile's resourceVersion after the write. */
  applyStatus(namespace: string, name: string, status: ProfileStatus): Promise<string | undefined>;
  /** Drops an IntentHonored condition an earlier version applied under its own field manager. */
  releaseIntent?(namespace: string, name: string): Promise<void>;
}

export class ProfileStatusWriter implements StatusApplier {
  constructor(private readonly rest: KubeRest) {}

  async applyStatus(namespace: string, name: string, status: ProfileStatus): Promise<string | undefined> {
    const body = { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, status };
    const written = await this.rest.apply<{ metadata?: { resourceVersion?: string } }>(
      profileStatus(namespace, name),
      body,
      FIELD_MANAGER,
    );
    return written?.metadata?.resourceVersion;
  }

  async releaseIntent(namespace: string, name: string): Promise<void> {
    const body = {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { name, namespace },
      status: { conditions: [] },
    };
    await this.rest.apply(profileStatus(namespace, name), body, LEGACY_INTENT_FIELD_MANAGER);
  }
}
