import { type AppTrustProfile, AppTrustProfileSchema } from '../api/v1alpha1/index.js';
import { type Diagnostic, diagnosticsFromZod } from './diagnostics.js';

export type Validation = { ok: true; profile: AppTrustProfile } | { ok: false; diagnostics: Diagnostic[] };

/** Checks any value against the AppTrustProfile contract; never throws. */
export function validateProfile(input: unknown): Validation {
  // reportInput: a type error can then tell a missing field from a value of the wrong type.
  const parsed = AppTrustProfileSchema.safeParse(input, { reportInput: true });
  if (parsed.success) return { ok: true, profile: parsed.data };
  return { ok: false, diagnostics: diagnosticsFromZod(parsed.error.issues) };
}
