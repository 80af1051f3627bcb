// `{fqdn: NAME}` endpoints: what the name resolves to, given as data (the operator's resolver, the
// CLI's --fqdn). Pure: one ipBlock per address, /32 for IPv4 and /128 for IPv6. A name without
// addresses renders no peer at all (never an empty `to`, which would allow everything).
import type { PolicyPeer } from './networkpolicy.js';

/** Addresses per DNS name; a name that is absent has not been resolved. */
export type FqdnAddresses = { get(name: string): readonly string[] | undefined };

export function hostCidr(address: string): string {
  return address.includes(':') ? `${address.toLowerCase()}/128` : `${address}/32`;
}

export function fqdnPeers(addresses: readonly string[]): PolicyPeer[] {
  return [...new Set(addresses.map(hostCidr))].sort().map((cidr) => ({ ipBlock: { cidr } }));
}
