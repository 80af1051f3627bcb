// The render budget: a profile that passes admission may still multiply into megabytes of
// policies. Over the budget is a diagnostic with a field path, and nothing is rendered.
import { MAX_POLICY_BYTES, MAX_PROFILE_BYTES, renderProfile } from '../../../src/compiler/index.js';
import { profile as build, inNamespace, withSpec } from '../../helpers/profiles.js';

const profile = (components: number, flowsPerComponent: number) =>
  build(
    'big',
    inNamespace('x'),
    withSpec({
      components: Array.from({ length: components }, (_, c) => ({
        name: `c${c}`,
        podSelector: { matchLabels: { c: `${c}` } },
      })),
      allow: Array.from({ length: components * flowsPerComponent }, (_, i) => ({
        from: { component: `c${i % components}` },
        to: { cidr: `10.${i % 256}.${Math.floor(i / 256)}.0/24` },
        ports: Array.from({ length: 16 }, (_, j) => ({ port: 1000 + j * 100, endPort: 1050 + j * 100 })),
      })),
    }),
  );

const bytes = (r: ReturnType<typeof renderProfile>) =>
  r.policies.reduce((sum, p) => sum + Buffer.byteLength(JSON.stringify(p)), 0);

describe('render budget', () => {
  it('renders a large profile under the budget', () => {
    const r = renderProfile(profile(2, 64));
    expect(r.diagnostics).toEqual([]);
    expect(bytes(r)).toBeGreaterThan(50 * 1024);
  });

  it('refuses one policy over the per-policy limit, naming the component', () => {
    const r = renderProfile(profile(1, 256));
    expect(r.policies).toEqual([]);
    expect(r.diagnostics).toEqual([
      {
        path: 'spec.components[0]',
        message: expect.stringMatching(new RegExp(`over the limit of ${MAX_POLICY_BYTES / 1024} KiB`)),
      },
    ]);
  });

  it('refuses a profile whose policies together exceed the per-profile limit', () => {
    // 64 components with 16-label selectors, 256 flows between distinct pairs: each flow lands on
    // two policies with a copy of a selector. Every policy is far under its limit, the sum is not.
    const label = (c: number, k: number) => [`key-${k}`, `${'v'.repeat(55)}-${c}-${k}`] as const;
    const components = Array.from({ length: 64 }, (_, c) => ({
      name: `c${c}`,
      podSelector: { matchLabels: Object.fromEntries(Array.from({ length: 16 }, (_, k) => label(c, k))) },
    }));
    const allow = Array.from({ length: 256 }, (_, i) => ({
      from: { component: `c${i % 64}` },
      to: { component: `c${((i % 64) + 1 + Math.floor(i / 64)) % 64}` },
      ports: Array.from({ length: 16 }, (_, j) => ({ port: 1000 + j * 100, endPort: 1050 + j * 100 })),
    }));
    const r = renderProfile({ ...profile(1, 1), spec: { components, allow } });
    expect(r.policies).toEqual([]);
    expect(r.diagnostics).toEqual([
      {
        path: 'spec',
        message: expect.stringMatching(
          new RegExp(`over the limit of ${MAX_PROFILE_BYTES / 1024} KiB per profile`),
        ),
      },
    ]);
  });
});
