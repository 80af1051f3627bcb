// Outside addresses cut at every ipBlock boundary: one probe address per region, so a verdict
// judged on the probe holds for every address of its region (no ipBlock starts or ends inside it).
import { parseCidr } from '../api/v1alpha1/index.js';

export interface AddressRegion {
  /** The first address of the region: the one the analysis judges. */
  probe: string;
  /** The region as a CIDR when it is one ("10.0.0.0/8"), else "first-last". */
  text: string;
}

const WIDTH = { 4: 32, 6: 128 } as const;

function format(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16),
  );
  // The longest run of zero groups (two or more) becomes "::", as RFC 5952 writes addresses.
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}

function regionText(family: 4 | 6, first: bigint, last: bigint): string {
  const size = last - first + 1n;
  const bits = size.toString(2).length - 1;
  const aligned = 1n << BigInt(bits) === size && first % size === 0n;
  return aligned
    ? `${format(family, first)}/${WIDTH[family] - bits}`
    : `${format(family, first)}-${format(family, last)}`;
}

/** The regions of both families that the given CIDRs (blocks and their excepts) cut the space into. */
export function addressRegions(cidrs: Iterable<string>): AddressRegion[] {
  const cuts = { 4: new Set<bigint>([0n]), 6: new Set<bigint>([0n]) };
  for (const text of cidrs) {
    const c = parseCidr(text);
    if (!c) continue;
    const size = 1n << BigInt(WIDTH[c.family] - c.prefixLength);
    const first = c.network & ~(size - 1n);
    cuts[c.family].add(first);
    if (first + size < 1n << BigInt(WIDTH[c.family])) cuts[c.family].add(first + size);
  }
  const regions: AddressRegion[] = [];
  for (const family of [4, 6] as const) {
    const sorted = [...cuts[family]].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const end = 1n << BigInt(WIDTH[family]);
    sorted.forEach((first, i) => {
      const last = (sorted[i + 1] ?? end) - 1n;
      regions.push({ probe: format(family, first), text: regionText(family, first, last) });
    });
  }
  return regions;
}
