// The upstream NetworkPolicy e2e truth tables (48 cases) and our port-range cases, through the evaluator.
import { loadCases, mismatches } from './truth-tables.js';

const upstream = loadCases('upstream');
const portRanges = loadCases('port-ranges');

describe('upstream NetworkPolicy e2e cases (kubernetes/kubernetes netpol)', () => {
  it('has all 48 cases: 42 TCP, 3 UDP, 3 SCTP, each with provenance', () => {
    expect(upstream).toHaveLength(48);
    const prefix = (p: string) => upstream.filter((c) => c.file.startsWith(`upstream/${p}-`)).length;
    expect([prefix('tcp'), prefix('udp'), prefix('sctp')]).toEqual([42, 3, 3]);
    for (const c of upstream) {
      expect(c.provenance).toMatchObject({
        repository: 'kubernetes/kubernetes',
        path: 'test/e2e/network/netpol/network_policy.go',
        license: 'Apache-2.0',
      });
      expect(c.provenance.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(c.provenance.title).toMatch(/^should /);
    }
  });

  it.each(upstream.map((c) => [c.file, c] as const))('%s', (_file, c) => {
    expect(mismatches(c)).toEqual([]);
  });

  // Control: the tables must be able to fail. With the policies left out, every case that expects
  // any denial disagrees with the evaluator.
  it('control: without their policies, the cases that expect a denial fail', () => {
    const failing = upstream.filter((c) => mismatches(c, { ignorePolicies: true }).length > 0);
    const allConnected = upstream.filter((c) =>
      c.steps.every((s) => s.probes.every((p) => p.expect.every((e) => Object.values(e)[0].connected))),
    );
    expect(failing.length + allConnected.length).toBe(48);
    expect([failing.length, allConnected.length]).toEqual([46, 2]);
  });
});

describe('port-range cases (ours)', () => {
  it('exist', () => expect(portRanges.length).toBeGreaterThanOrEqual(3));
  it.each(portRanges.map((c) => [c.file, c] as const))('%s', (_file, c) => {
    expect(mismatches(c)).toEqual([]);
  });
});
