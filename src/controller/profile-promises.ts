// What each profile's spec promises (intent-widening.ts), per uid and generation, shared by the
// controllers that look at it: the profile controller records it from its render, which has just
// validated the spec, and the widening controller reads it. A spec is then validated once per
// generation, not once per controller (zod was a tenth of the cold start's extra CPU).
import type { Mode } from '../api/v1alpha1/index.js';
import { type ProfilePromise, promiseOf } from './intent-widening.js';

/** A profile as the caches hold it. */
type ProfileObject = KubeObject & { spec?: unknown };

import type { KubeObject } from '../kube/objects.js';

/** Promises remembered before the memo starts over. */
export const MAX_PROMISES = 20_000;

export class ProfilePromises {
  /** Per "uid/generation": the components are the cached profile's own, no copies. */
  private readonly byGeneration = new Map<string, ProfilePromise | undefined>();

  constructor(private readonly max = MAX_PROMISES) {}

  /** What `profile` promises: remembered, or validated now (promiseOf). */
  of(profile: ProfileObject): ProfilePromise | undefined {
    const key = keyOf(profile);
    if (key === undefined) return promiseOf(profile);
    if (this.byGeneration.has(key)) return this.byGeneration.get(key);
    const promise = promiseOf(profile);
    this.remember(key, promise);
    return promise;
  }

  /** A render of `profile` passed validation in `mode`: the answer promiseOf would give, unvalidated again. */
  rendered(profile: ProfileObject, mode: Mode): void {
    const key = keyOf(profile);
    if (key === undefined || this.byGeneration.has(key)) return;
    const spec = profile.spec as { components: ProfilePromise['components'] };
    this.remember(key, mode === 'Enforce' ? { components: spec.components } : undefined);
  }

  private remember(key: string, promise: ProfilePromise | undefined): void {
    if (this.byGeneration.size >= this.max) this.byGeneration.clear();
    this.byGeneration.set(key, promise);
  }
}

/** A profile without a uid (a test's object) is never remembered: its key would not be its own. */
function keyOf(profile: ProfileObject): string | undefined {
  const { uid, generation } = profile.metadata;
  return uid ? `${uid}/${generation}` : undefined;
}
