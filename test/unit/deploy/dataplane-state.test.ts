// The dataplane's names and addresses derive from its state directory: stable for one directory
// (a killed run is found again), different for two (two checkouts side by side), always inside the
// pod range, and never .0 or .255.
import { ipv4Of, ipv6Of, nextHostNumber, runIdentity } from '../../dataplane/state.js';

describe('dataplane run identity and addresses', () => {
  it('derives the same identity from the same directory and another from another', () => {
    expect(runIdentity('/a/.cache/dataplane')).toEqual(runIdentity('/a/.cache/dataplane'));
    expect(runIdentity('/a/.cache/dataplane').id).not.toEqual(runIdentity('/b/.cache/dataplane').id);
    const { prefix, block, socketDir } = runIdentity('/a/.cache/dataplane');
    expect(prefix).toMatch(/^at[0-9a-f]{6}-$/);
    expect(block).toBeGreaterThanOrEqual(0);
    expect(block).toBeLessThan(16);
    // A unix socket path has at most 107 bytes: the agents' sockets live in a short directory.
    expect(`${socketDir}/4094.sock`.length).toBeLessThan(100);
  });

  it('keeps every host of a run inside its /20 of 10.244.0.0/16 and skips .0 and .255', () => {
    const seen = new Set<string>();
    let n = 1;
    for (;;) {
      try {
        n = nextHostNumber(n);
      } catch {
        break;
      }
      const ip = ipv4Of(15, n);
      expect(ip).toMatch(/^10\.244\.(24\d|25[0-5])\.\d+$/);
      expect(ip).not.toMatch(/\.(0|255)$/);
      seen.add(ip);
    }
    expect(seen.size).toBeGreaterThan(4000);
    expect(ipv4Of(0, 1)).toBe('10.244.0.1');
    expect(ipv4Of(2, 300)).toBe('10.244.33.44');
    expect(ipv6Of(10, 255)).toBe('fd00:10:244:a::ff');
  });

  it('writes IPv6 addresses in canonical form for every block (the enforcer matches pods by that text)', () => {
    // The URL parser prints IPv6 hosts in RFC 5952 form.
    const canonical = (ip: string) => new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    for (let block = 0; block < 16; block++)
      for (const n of [1, 2, 0x3f, 0xfff]) expect(ipv6Of(block, n)).toBe(canonical(ipv6Of(block, n)));
    expect(ipv6Of(0, 0x40)).toBe('fd00:10:244::40');
  });
});
