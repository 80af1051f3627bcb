import { renderProfile, validateProfile } from '../../../src/compiler/index.js';
import { frontendBackendProfile } from '../../helpers/profiles.js';

const valid = () => frontendBackendProfile('shop', 'shop');

type Mutation = (p: ReturnType<typeof valid>) => void;
const flow = (p: ReturnType<typeof valid>) =>
  (p.spec.allow as Record<string, unknown>[])[0] as Record<string, unknown>;

// [what, mutation, expected "path: message" (substring of the message)]
const CASES: Array<[string, Mutation, string, string]> = [
  [
    'unknown component reference',
    (p) => {
      flow(p).to = { component: 'backnd' };
    },
    'spec.allow[0].to.component',
    'unknown component "backnd"',
  ],
  [
    'two endpoint forms',
    (p) => {
      flow(p).to = { component: 'backend', cidr: '10.0.0.0/8' };
    },
    'spec.allow[0].to',
    'exactly one endpoint form',
  ],
  [
    'no endpoint form',
    (p) => {
      flow(p).to = {};
    },
    'spec.allow[0].to',
    'exactly one of',
  ],
  [
    'podSelector with component',
    (p) => {
      flow(p).to = { component: 'backend', podSelector: {} };
    },
    'spec.allow[0].to.podSelector',
    'not with component or cidr',
  ],
  [
    'except without cidr',
    (p) => {
      flow(p).to = { namespace: 'x', except: ['10.0.0.0/8'] };
    },
    'spec.allow[0].to.except',
    'requires cidr',
  ],
  [
    'except outside cidr',
    (p) => {
      flow(p).to = { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] };
    },
    'spec.allow[0].to.except[0]',
    'strict sub-block',
  ],
  [
    'except equal to cidr',
    (p) => {
      flow(p).to = { cidr: '10.0.0.0/16', except: ['10.0.0.0/16'] };
    },
    'spec.allow[0].to.except[0]',
    'strict sub-block',
  ],
  [
    'no component side',
    (p) => {
      p.spec.allow = [{ from: { namespace: 'a' }, to: { cidr: '1.2.3.4/32' } }];
    },
    'spec.allow[0]',
    'at least one side',
  ],
  [
    'endPort < port',
    (p) => {
      flow(p).ports = [{ port: 8080, endPort: 8000 }];
    },
    'spec.allow[0].ports[0].endPort',
    'must be >= port',
  ],
  [
    'endPort with a named port',
    (p) => {
      flow(p).ports = [{ port: 'http', endPort: 8000 }];
    },
    'spec.allow[0].ports[0].endPort',
    'numeric port',
  ],
  [
    'port 0',
    (p) => {
      flow(p).ports = [{ port: 0 }];
    },
    'spec.allow[0].ports[0].port',
    '',
  ],
  [
    'port 65536',
    (p) => {
      flow(p).ports = [{ port: 65536 }];
    },
    'spec.allow[0].ports[0].port',
    '',
  ],
  [
    'bad port name',
    (p) => {
      flow(p).ports = [{ port: 'Not_A_Name' }];
    },
    'spec.allow[0].ports[0].port',
    'IANA port name',
  ],
  [
    'port name too long',
    (p) => {
      flow(p).ports = [{ port: 'abcdefghijklmnop' }];
    },
    'spec.allow[0].ports[0].port',
    'IANA port name',
  ],
  [
    'bad protocol',
    (p) => {
      flow(p).ports = [{ port: 80, protocol: 'ICMP' }];
    },
    'spec.allow[0].ports[0].protocol',
    '',
  ],
  [
    'bad CIDR',
    (p) => {
      flow(p).to = { cidr: '10.0.0.300/8' };
    },
    'spec.allow[0].to.cidr',
    'CIDR',
  ],
  [
    'CIDR prefix too long',
    (p) => {
      flow(p).to = { cidr: '10.0.0.0/33' };
    },
    'spec.allow[0].to.cidr',
    'CIDR',
  ],
  [
    'CIDR without prefix',
    (p) => {
      flow(p).to = { cidr: '10.0.0.1' };
    },
    'spec.allow[0].to.cidr',
    'CIDR',
  ],
  [
    'bad component name',
    (p) => {
      (p.spec.components as Record<string, unknown>[])[0] = { name: 'Front_End', podSelector: {} };
    },
    'spec.components[0].name',
    'DNS-1123 label',
  ],
  [
    'duplicate component',
    (p) => {
      (p.spec.components as unknown[]).push({ name: 'backend', podSelector: {} });
    },
    'spec.components[2].name',
    'duplicate component "backend"',
  ],
  [
    'no components',
    (p) => {
      p.spec.components = [];
    },
    'spec.components',
    '',
  ],
  [
    '65 components',
    (p) => {
      p.spec.components = Array.from({ length: 65 }, (_, i) => ({ name: `c${i}`, podSelector: {} }));
      p.spec.allow = [];
    },
    'spec.components',
    '',
  ],
  [
    '257 flows',
    (p) => {
      p.spec.allow = Array.from({ length: 257 }, () => ({
        from: { component: 'frontend' },
        to: { component: 'backend' },
      }));
    },
    'spec.allow',
    '',
  ],
  [
    'bad mode',
    (p) => {
      p.spec.mode = 'Permissive';
    },
    'spec.mode',
    '',
  ],
  [
    'duplicate isolate',
    (p) => {
      p.spec.isolate = ['Ingress', 'Ingress'];
    },
    'spec.isolate',
    'must not repeat',
  ],
  [
    'empty isolate',
    (p) => {
      p.spec.isolate = [];
    },
    'spec.isolate',
    '',
  ],
  [
    'unknown field',
    (p) => {
      p.spec.alow = [];
    },
    'spec',
    'unknown field(s) "alow"',
  ],
  [
    'unknown endpoint field',
    (p) => {
      flow(p).to = { component: 'backend', ns: 'x' };
    },
    'spec.allow[0].to',
    'unknown field(s) "ns"',
  ],
  [
    'In without values',
    (p) => {
      (p.spec.components as Record<string, unknown>[])[0] = {
        name: 'frontend',
        podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] },
      };
    },
    'spec.components[0].podSelector.matchExpressions[0].values',
    'non-empty',
  ],
  [
    'Exists with values',
    (p) => {
      (p.spec.components as Record<string, unknown>[])[0] = {
        name: 'frontend',
        podSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      };
    },
    'spec.components[0].podSelector.matchExpressions[0].values',
    'must be empty',
  ],
  [
    'bad label value',
    (p) => {
      (p.spec.components as Record<string, unknown>[])[0] = {
        name: 'frontend',
        podSelector: { matchLabels: { role: 'not valid!' } },
      };
    },
    'spec.components[0].podSelector.matchLabels.role',
    'label value',
  ],
  [
    'bad namespace name',
    (p) => {
      flow(p).from = { namespace: 'Bad_NS' };
    },
    'spec.allow[0].from.namespace',
    'DNS-1123 label',
  ],
  [
    'bad profile name',
    (p) => {
      p.metadata.name = 'Shop!';
    },
    'metadata.name',
    'DNS-1123 subdomain',
  ],
  [
    'missing spec',
    (p) => {
      delete (p as { spec?: unknown }).spec;
    },
    'spec',
    'required',
  ],
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
