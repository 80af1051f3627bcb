// Checks the endpoints that depend on the world rather than on the spec alone: the Services a
// profile names (present, selecting pods by label, having the named ports) and the DNS names
// (resolved, within the address bound). Pure: Services and addresses are given as data.
import { type AppTrustProfile, type Flow, MAX_FQDN_ADDRESSES } from '../api/v1alpha1/index.js';
import type { Diagnostic } from './diagnostics.js';
import type { EndpointInputs } from './peers.js';
import { serviceKeyOf, servicePorts, serviceProblem } from './services.js';

export interface EndpointCheck {
  /** Problems that keep the profile from rendering (the last good policies stay). */
  diagnostics: Diagnostic[];
  /** DNS names with no addresses given: rendered without any ipBlock (nothing allowed to them). */
  unresolved: string[];
}

export function checkEndpoints(
  profile: AppTrustProfile,
  namespace: string,
  inputs: EndpointInputs,
): EndpointCheck {
  const diagnostics: Diagnostic[] = [];
  const unresolved = new Set<string>();
  (profile.spec.allow ?? []).forEach((flow, i) => {
    for (const side of ['from', 'to'] as const) {
      const at = `spec.allow[${i}]`;
      if (flow[side].service !== undefined)
        diagnostics.push(...serviceDiagnostics(flow, side, at, namespace, inputs));
      const name = flow[side].fqdn;
      if (name === undefined) continue;
      const count = new Set(inputs.fqdn?.get(name) ?? []).size;
      if (count === 0) unresolved.add(name);
      else if (count > MAX_FQDN_ADDRESSES)
        diagnostics.push({
          path: `${at}.${side}.fqdn`,
          message: `${name} has ${count} addresses; at most ${MAX_FQDN_ADDRESSES} per name`,
        });
    }
  });
  return { diagnostics, unresolved: [...unresolved].sort() };
}

/** The Service must exist and select pods by label; as a destination, the flow ports must name its ports. */
function serviceDiagnostics(
  flow: Flow,
  side: 'from' | 'to',
  at: string,
  namespace: string,
  inputs: EndpointInputs,
): Diagnostic[] {
  const key = serviceKeyOf(flow[side], namespace);
  const service = inputs.services?.get(key);
  const problem = serviceProblem(key, service);
  if (problem) return [{ path: `${at}.${side}.service`, message: problem }];
  if (!service || side === 'from') return [];
  return servicePorts(key, service, flow.ports).problems.map((p) => ({
    path: `${at}.ports[${p.index}]`,
    message: p.message,
  }));
}

interface RawEndpoint {
  fqdn?: unknown;
  service?: unknown;
  namespace?: unknown;
}
/** The flows of any value (a cached object may not validate): what indexes are built from. */
function rawFlows(profile: unknown): Array<{ from?: RawEndpoint; to?: RawEndpoint }> {
  const allow = (profile as { spec?: { allow?: unknown } } | null)?.spec?.allow;
  return Array.isArray(allow) ? allow.filter((f) => f !== null && typeof f === 'object') : [];
}

/** The distinct DNS names a profile's flows go to, sorted (any value; junk is skipped). */
export function fqdnNamesOf(profile: unknown): string[] {
  const names = rawFlows(profile).flatMap((f) => (typeof f.to?.fqdn === 'string' ? [f.to.fqdn] : []));
  return [...new Set(names)].sort();
}

/** The Services ("namespace/name") a profile's flows name, sorted (any value; junk is skipped). */
export function serviceKeysOf(profile: unknown, namespace: string): string[] {
  const keys = new Set<string>();
  for (const flow of rawFlows(profile))
    for (const e of [flow.from, flow.to])
      if (typeof e?.service === 'string')
        keys.add(`${typeof e.namespace === 'string' ? e.namespace : namespace}/${e.service}`);
  return [...keys].sort();
}
