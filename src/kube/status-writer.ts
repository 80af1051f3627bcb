// Writes an AppTrustProfile's status with server-side apply: the body holds only the fields this
// operator owns, so another writer's fields and conditions stay theirs.
import { API_VERSION, KIND, type ProfileStatus } from '../api/v1alpha1/index.js';
import { profileStatus } from './paths.js';
import { FIELD_MANAGER } from './policy-store.js';
import type { KubeRest } from './rest.js';

export interface StatusApplier {
  /** Resolves to the profile's resourceVersion after the write. */
  applyStatus(namespace: string, name: string, status: ProfileStatus): Promise<string | undefined>;
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
}
