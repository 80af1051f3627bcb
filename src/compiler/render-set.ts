import { API_VERSION, GROUP, KIND } from '../api/v1alpha1/index.js';
import { sortDiagnostics } from './diagnostics.js';
import type { NetworkPolicy } from './networkpolicy.js';
import { type RenderOptions, type RenderResult, renderProfile } from './render.js';

/** A document that may be a profile, with where it came from. */
export interface ProfileSource {
  source: string;
  value: unknown;
}

export interface SourcedResult extends RenderResult {
  source: string;
}

export interface RenderSetResult {
  results: SourcedResult[];
  /** All policies of the valid profiles, sorted by namespace then name. */
  policies: NetworkPolicy[];
}

/** True for documents that claim to be AppTrustProfiles; other kinds in a manifest folder are skipped. */
export function isProfileDocument(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const { apiVersion, kind } = value as { apiVersion?: unknown; kind?: unknown };
  return (
    kind === KIND ||
    apiVersion === API_VERSION ||
    (typeof apiVersion === 'string' && apiVersion.startsWith(`${GROUP}/`))
  );
}

/**
 * Renders many profiles at once and catches what only shows across them: the same profile twice,
 * and (a guard: names are injective, see names.ts) two profiles of one namespace rendering one name.
 */
export function renderProfiles(
  sources: readonly ProfileSource[],
  options: RenderOptions = {},
): RenderSetResult {
  const results: SourcedResult[] = sources.map((s) => ({
    ...renderProfile(s.value, options),
    source: s.source,
  }));
  const profiles = new Map<string, SourcedResult>();
  const policyOwners = new Map<string, SourcedResult>();
  for (const result of results) {
    if (result.diagnostics.length > 0) continue;
    const key = `${result.namespace}/${result.name}`;
    const earlier = profiles.get(key);
    if (earlier) {
      result.diagnostics = [
        { path: 'metadata.name', message: `profile ${key} is defined twice (also in ${earlier.source})` },
      ];
      continue;
    }
    profiles.set(key, result);
    for (const policy of result.policies) {
      const policyKey = `${policy.metadata.namespace}/${policy.metadata.name}`;
      const owner = policyOwners.get(policyKey);
      if (owner)
        result.diagnostics.push({
          path: 'spec.components',
          message: `NetworkPolicy name ${policyKey} is also rendered by profile ${owner.name}`,
        });
      else policyOwners.set(policyKey, result);
    }
    result.diagnostics = sortDiagnostics(result.diagnostics);
  }
  const policies = results
    .filter((r) => r.diagnostics.length === 0)
    .flatMap((r) => r.policies)
    .sort((a, b) => {
      const [ka, kb] = [
        `${a.metadata.namespace}\u0000${a.metadata.name}`,
        `${b.metadata.namespace}\u0000${b.metadata.name}`,
      ];
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  return { results, policies };
}
