import { renderProfile, validateProfile } from '../../../src/compiler/index.js';
import { frontendBackendProfile } from '../../helpers/profiles.js';

const valid = () => frontendBackendProfile('shop', 'shop');

// The rules, case by case, are in the table shared with the API server
// (test/helpers/validation-cases.ts, run by test/unit/api and test/integration). Here: what only the
// compiler does.
const CASES: Array<[string, (p: ReturnType<typeof valid>) => void, string, string]> = [
  [
    'wrong apiVersion',
    (p) => {
      p.apiVersion = 'apptrust.dev/v2';
    },
    'apiVersion',
    'must be apptrust.dev/v1alpha1',
  ],
];

describe('validation', () => {
  it('accepts the valid base profile', () => {
    expect(validateProfile(valid()).ok).toBe(true);
  });

  it.each(CASES)('rejects %s at its field path', (_what, mutate, path, message) => {
    const profile = valid();
    mutate(profile);
    const result = validateProfile(profile);
    expect(result.ok).toBe(false);
    const diagnostics = result.ok ? [] : result.diagnostics;
    expect(diagnostics).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('reports every problem at once, sorted by path', () => {
    const profile = valid();
    profile.spec.allow = [
      { from: { component: 'nope' }, to: { component: 'backend' }, ports: [{ port: 70000 }] },
      { from: { component: 'frontend' }, to: { cidr: 'x' } },
    ];
    const result = validateProfile(profile);
    expect(result.ok ? [] : result.diagnostics.map((d) => d.path)).toEqual([
      'spec.allow[0].from.component',
      'spec.allow[0].ports[0].port',
      'spec.allow[1].to.cidr',
    ]);
  });

  it('reports the requested mode of an invalid profile', () => {
    const profile = valid();
    profile.spec.mode = 'Audit';
    profile.spec.components = [];
    expect(renderProfile(profile)).toMatchObject({ mode: 'Audit', policies: [] });
  });

  it('never throws and renders nothing for arbitrary junk', () => {
    for (const junk of [
      null,
      undefined,
      42,
      'x',
      [],
      {},
      { spec: null },
      { metadata: 5, spec: { components: 'x' } },
    ]) {
      const r = renderProfile(junk);
      expect(r.policies).toEqual([]);
      expect(r.diagnostics.length).toBeGreaterThan(0);
    }
  });

  it('accepts IPv6 CIDRs, named ports, SCTP, ranges and all selector operators', () => {
    const profile = valid();
    profile.spec.allow = [
      {
        from: { component: 'frontend' },
        to: { cidr: '2001:db8::/64', except: ['2001:db8::/96'] },
        ports: [{ port: 'https' }],
      },
      {
        from: { component: 'frontend' },
        to: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] },
        ports: [
          { port: 3868, protocol: 'SCTP' },
          { port: 30000, endPort: 32767 },
        ],
      },
      {
        from: {
          namespaceSelector: {
            matchExpressions: [
              { key: 'env', operator: 'NotIn', values: ['dev'] },
              { key: 'team', operator: 'Exists' },
            ],
          },
        },
        to: { component: 'backend' },
      },
    ];
    expect(validateProfile(profile)).toMatchObject({ ok: true });
  });
});
