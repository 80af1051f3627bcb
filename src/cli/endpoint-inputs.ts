// What the CLI renders fqdn and service endpoints with: Services from the -f inputs, addresses from
// --fqdn, and with --resolve the DNS server's answers for the names not given. The notes say which
// names have no addresses (no ipBlock is rendered for them) and why.
import { type EndpointInputs, fqdnNamesOf, type ServiceObject } from '../compiler/index.js';
import { clusterDnsServer, describeDnsError, dnsResolver } from '../dns/resolver.js';
import type { CliArgs } from './args.js';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Service documents of the inputs by "namespace/name" (namespace: the document's or -n). */
export function servicesOf(values: readonly unknown[], defaultNamespace: string): Map<string, ServiceObject> {
  const out = new Map<string, ServiceObject>();
  for (const v of values) {
    if (!isObject(v) || v.kind !== 'Service' || v.apiVersion !== 'v1' || !isObject(v.metadata)) continue;
    const { name, namespace } = v.metadata;
    if (typeof name !== 'string') continue;
    const ns = typeof namespace === 'string' ? namespace : defaultNamespace;
    out.set(`${ns}/${name}`, {
      metadata: { name, namespace: ns },
      ...(isObject(v.spec) ? { spec: v.spec as ServiceObject['spec'] } : {}),
    });
  }
  return out;
}

export interface CliEndpointInputs {
  inputs: EndpointInputs;
  /** Why a name has no addresses (--resolve failed), by name. */
  failures: Map<string, string>;
}

/** --fqdn addresses, plus (--resolve) the answers for the other names the profiles go to. */
export async function endpointInputsFor(
  args: CliArgs,
  profileValues: readonly unknown[],
  services: Map<string, ServiceObject>,
): Promise<CliEndpointInputs> {
  const fqdn = new Map(args.fqdn);
  const failures = new Map<string, string>();
  if (args.resolve) {
    const names = [...new Set(profileValues.flatMap((v) => fqdnNamesOf(v)))].filter((n) => !fqdn.has(n));
    const server = args.fqdnResolver ?? clusterDnsServer();
    const resolve = server ? dnsResolver({ server }) : undefined;
    await Promise.all(
      names.map(async (name) => {
        if (!resolve) {
          failures.set(name, 'no DNS server: give --fqdn-resolver HOST:PORT');
          return;
        }
        try {
          const answer = await resolve(name);
          if (answer.addresses.length > 0) fqdn.set(name, answer.addresses);
          else failures.set(name, 'empty answer (no A or AAAA record)');
        } catch (error) {
          failures.set(name, describeDnsError(error));
        }
      }),
    );
  }
  return { inputs: { fqdn, services }, failures };
}

/** The stderr note for a profile's names without addresses. */
export function unresolvedNote(
  source: string,
  profile: string,
  names: readonly string[],
  failures: ReadonlyMap<string, string>,
): string[] {
  return names.map((name) => {
    const why = failures.get(name);
    return `${source}: ${profile}: note: DNS name ${name} has no addresses${why ? ` (${why})` : ''}: no ipBlock rendered for it (give --fqdn ${name}=ADDR or --resolve)`;
  });
}
