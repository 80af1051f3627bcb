import { isIPv4, isIPv6 } from 'node:net';

/** A parsed CIDR block: address family, the network prefix as a number, and the prefix length. */
export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefixLength: number;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4?.[1]) {
    const n = ipv4ToBigInt(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array(8 - headParts.length - tailParts.length).fill('0');
  return [...headParts, ...zeros, ...tailParts].reduce((acc, h) => (acc << 16n) | BigInt(`0x${h}`), 0n);
}

/** Parses "a.b.c.d/n" or "x::y/n"; undefined when it is not a CIDR. Host bits are allowed, as NetworkPolicy allows them. */
export function parseCidr(text: string): Cidr | undefined {
  const match = text.match(/^([^/]+)\/(\d{1,3})$/);
  if (!match?.[1] || !match[2]) return undefined;
  const [address, lengthText] = [match[1], match[2]];
  if (lengthText.length > 1 && lengthText.startsWith('0')) return undefined;
  const prefixLength = Number(lengthText);
  const family = isIPv4(address) ? 4 : isIPv6(address) && !address.includes('%') ? 6 : undefined;
  if (family === undefined) return undefined;
  const width = family === 4 ? 32 : 128;
  if (prefixLength > width) return undefined;
  const value = family === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const hostBits = BigInt(width - prefixLength);
  return { family, network: (value >> hostBits) << hostBits, prefixLength };
}

/** True when `inner` is a strict sub-block of `outer` (what NetworkPolicy requires of ipBlock.except). */
export function strictlyContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefixLength <= outer.prefixLength) return false;
  const width = outer.family === 4 ? 32 : 128;
  const hostBits = BigInt(width - outer.prefixLength);
  return inner.network >> hostBits === outer.network >> hostBits;
}
