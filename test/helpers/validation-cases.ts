// ONE table of validation cases for the two enforcers of the AppTrustProfile contract: the CLI
// (zod, test/unit/api/validation-table.test.ts) and the API server (CRD schema + CEL rules,
// test/integration/validation-table.test.ts). Each case is a YAML document, read as kubectl reads
// it (YAML 1.1); both runs must give the verdict and the field paths written here.
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/run.js';
import { frontendBackendProfile } from './profiles.js';

type Profile = ReturnType<typeof frontendBackendProfile>;
type Obj = Record<string, unknown>;

export interface ValidationCase {
  what: string;
  /** Changes the valid base profile (frontend -> backend:8080). */
  mutate?: (p: Profile) => void;
  /** Then edits its YAML text (for what an object cannot say: `yes`, quoting). */
  edit?: (yaml: string) => string;
  /** undefined: valid. Otherwise the field paths of the problems, in the CLI's order. */
  invalid?: string[];
}

const flow = (p: Profile, i = 0) => (p.spec.allow as Obj[])[i] as Obj;
const components = (p: Profile) => p.spec.components as Obj[];
const selectorOf = (p: Profile) => components(p)[0]?.podSelector as Obj;
type Mutation = (p: Profile) => void;
const onFlow =
  (key: string, value: unknown): Mutation =>
  (p) => {
    flow(p)[key] = value;
  };
const onSpec =
  (key: string, value: unknown): Mutation =>
  (p) => {
    p.spec[key] = value;
  };
const onSelector =
  (key: string, value: unknown): Mutation =>
  (p) => {
    selectorOf(p)[key] = value;
  };
const onComponent =
  (i: number, value: Obj): Mutation =>
  (p) => {
    components(p)[i] = value;
  };
const onMetadata =
  (key: 'name', value: string): Mutation =>
  (p) => {
    p.metadata[key] = value;
  };

export const VALIDATION_CASES: ValidationCase[] = [
  // --- valid: both must accept --------------------------------------------------------------------
  { what: 'the base profile' },
  {
    what: 'allowDNS: yes (a YAML 1.1 boolean, as kubectl reads it)',
    edit: (y) => y.replace('allowDNS: true', 'allowDNS: yes'),
  },
  { what: 'allowDNS: off', edit: (y) => y.replace('allowDNS: true', 'allowDNS: off') },
  { what: 'a named port', mutate: onFlow('ports', [{ port: 'http-alt' }]) },
  {
    what: 'a port range',
    mutate: onFlow('ports', [{ port: 30000, endPort: 32767, protocol: 'UDP' }]),
  },
  { what: 'SCTP', mutate: onFlow('ports', [{ port: 3868, protocol: 'SCTP' }]) },
  {
    what: 'no ports (all)',
    mutate: (p) => {
      delete flow(p).ports;
    },
  },
  { what: 'empty ports (all)', mutate: onFlow('ports', []) },
  {
    what: 'IPv6 cidr with except',
    mutate: onFlow('to', { cidr: '2001:db8::/64', except: ['2001:db8::/96'] }),
  },
  { what: 'cidr with host bits', mutate: onFlow('to', { cidr: '10.1.2.3/8' }) },
  {
    what: 'namespace with podSelector',
    mutate: onFlow('from', { namespace: 'ingress', podSelector: {} }),
  },
  {
    what: 'namespaceSelector with expressions',
    mutate: onFlow('from', {
      namespaceSelector: {
        matchExpressions: [
          { key: 'env', operator: 'NotIn', values: ['dev'] },
          { key: 'team', operator: 'Exists' },
        ],
      },
    }),
  },
  {
    what: 'podSelector alone',
    mutate: onFlow('from', { podSelector: { matchLabels: { app: 'batch' } } }),
  },
  {
    what: 'a prefixed label key',
    mutate: onComponent(0, {
      name: 'frontend',
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
    }),
  },
  { what: 'isolate Egress only', mutate: onSpec('isolate', ['Egress']) },
  { what: 'Audit mode', mutate: onSpec('mode', 'Audit') },
  {
    what: 'no allow',
    mutate: (p) => {
      delete p.spec.allow;
    },
  },
  {
    what: 'egress to a DNS name',
    mutate: (p) => {
      p.spec.allow = [
        { from: { component: 'backend' }, to: { fqdn: 'api.payments.example' }, ports: [{ port: 443 }] },
      ];
    },
  },
  {
    what: 'a label value that looks like a date stays a string',
    edit: (y) => y.replace('role: frontend', 'role: 2026-11-25'),
  },

  // --- invalid: both must refuse, at the same paths ----------------------------------------------
  {
    what: 'unknown component reference',
    mutate: onFlow('to', { component: 'backnd' }),
    invalid: ['spec.allow[0].to.component'],
  },
  {
    what: 'unknown component in the third flow',
    mutate: (p) => {
      p.spec.allow = [flow(p), flow(p), { from: { component: 'frontnd' }, to: { component: 'backend' } }];
    },
    invalid: ['spec.allow[2].from.component'],
  },
  {
    what: 'two endpoint forms',
    mutate: onFlow('to', { component: 'backend', cidr: '10.0.0.0/8' }),
    invalid: ['spec.allow[0].to'],
  },
  { what: 'no endpoint form', mutate: onFlow('to', {}), invalid: ['spec.allow[0].to'] },
  {
    what: 'a wildcard DNS name',
    mutate: onFlow('to', { fqdn: '*.payments.example' }),
    invalid: ['spec.allow[0].to.fqdn'],
  },
  {
    what: 'an uppercase DNS name',
    mutate: onFlow('to', { fqdn: 'API.payments.example' }),
    invalid: ['spec.allow[0].to.fqdn'],
  },
  {
    what: 'a DNS name with an empty label',
    mutate: onFlow('to', { fqdn: 'api..example' }),
    invalid: ['spec.allow[0].to.fqdn'],
  },
  {
    what: 'a DNS name as a source',
    mutate: onFlow('from', { fqdn: 'api.payments.example' }),
    invalid: ['spec.allow[0].from.fqdn'],
  },
  {
    what: 'fqdn with cidr',
    mutate: onFlow('to', { fqdn: 'api.payments.example', cidr: '192.0.2.0/24' }),
    invalid: ['spec.allow[0].to'],
  },
  {
    what: 'service with podSelector',
    mutate: onFlow('to', { service: 'backend', podSelector: {} }),
    invalid: ['spec.allow[0].to.podSelector'],
  },
  {
    what: 'service with component',
    mutate: onFlow('to', { service: 'backend', component: 'backend' }),
    invalid: ['spec.allow[0].to'],
  },
  {
    what: 'podSelector with component',
    mutate: onFlow('to', { component: 'backend', podSelector: {} }),
    invalid: ['spec.allow[0].to.podSelector'],
  },
  {
    what: 'except without cidr',
    mutate: onFlow('from', { namespace: 'x', except: ['10.0.0.0/8'] }),
    invalid: ['spec.allow[0].from.except'],
  },
  {
    what: 'second except outside cidr',
    mutate: onFlow('to', { cidr: '10.0.0.0/16', except: ['10.0.1.0/24', '10.1.0.0/24'] }),
    invalid: ['spec.allow[0].to.except[1]'],
  },
  {
    what: 'except equal to cidr',
    mutate: onFlow('to', { cidr: '10.0.0.0/16', except: ['10.0.0.0/16'] }),
    invalid: ['spec.allow[0].to.except[0]'],
  },
  {
    what: 'no component side',
    mutate: onSpec('allow', [{ from: { namespace: 'a' }, to: { cidr: '1.2.3.4/32' } }]),
    invalid: ['spec.allow[0]'],
  },
  {
    what: 'endPort < port',
    mutate: onFlow('ports', [{ port: 8080, endPort: 8000 }]),
    invalid: ['spec.allow[0].ports[0].endPort'],
  },
  {
    what: 'endPort with a named port',
    mutate: onFlow('ports', [{ port: 'http', endPort: 8000 }]),
    invalid: ['spec.allow[0].ports[0].endPort'],
  },
  {
    what: 'port 0',
    mutate: onFlow('ports', [{ port: 0 }]),
    invalid: ['spec.allow[0].ports[0].port'],
  },
  {
    what: 'port 65536',
    mutate: onFlow('ports', [{ port: 65536 }]),
    invalid: ['spec.allow[0].ports[0].port'],
  },
  {
    what: 'port "8080" (a string of digits is not a port name)',
    edit: (y) => y.replace('port: 8080', 'port: "8080"'),
    invalid: ['spec.allow[0].ports[0].port'],
  },
  {
    what: 'bad port name',
    mutate: onFlow('ports', [{ port: 'Not_A_Name' }]),
    invalid: ['spec.allow[0].ports[0].port'],
  },
  {
    what: 'port name with --',
    mutate: onFlow('ports', [{ port: 'a--b' }]),
    invalid: ['spec.allow[0].ports[0].port'],
  },
  {
    what: 'port name too long',
    mutate: onFlow('ports', [{ port: 'abcdefghijklmnop' }]),
    invalid: ['spec.allow[0].ports[0].port'],
  },
  {
    what: 'bad protocol',
    mutate: onFlow('ports', [{ port: 80, protocol: 'ICMP' }]),
    invalid: ['spec.allow[0].ports[0].protocol'],
  },
  {
    what: 'bad CIDR',
    mutate: onFlow('to', { cidr: '10.0.0.300/8' }),
    invalid: ['spec.allow[0].to.cidr'],
  },
  {
    what: 'CIDR prefix too long',
    mutate: onFlow('to', { cidr: '10.0.0.0/33' }),
    invalid: ['spec.allow[0].to.cidr'],
  },
  {
    what: 'CIDR without prefix',
    mutate: onFlow('to', { cidr: '10.0.0.1' }),
    invalid: ['spec.allow[0].to.cidr'],
  },
  {
    what: 'CIDR with a zone',
    mutate: onFlow('to', { cidr: 'fe80::1%eth0/64' }),
    invalid: ['spec.allow[0].to.cidr'],
  },
  {
    what: 'bad except CIDR',
    mutate: onFlow('to', { cidr: '10.0.0.0/8', except: ['nope'] }),
    invalid: ['spec.allow[0].to.except[0]'],
  },
  {
    what: 'bad component name',
    mutate: onComponent(0, { name: 'Front_End', podSelector: {} }),
    invalid: ['spec.allow[0].from.component', 'spec.components[0].name'],
  },
  {
    what: 'duplicate component',
    mutate: (p) => {
      components(p).push({ name: 'backend', podSelector: {} });
    },
    invalid: ['spec.components[2]'],
  },
  {
    what: 'no components',
    mutate: (p) => {
      p.spec.components = [];
      delete p.spec.allow;
    },
    invalid: ['spec.components'],
  },
  {
    what: 'missing components',
    mutate: (p) => {
      delete p.spec.components;
      delete p.spec.allow;
    },
    invalid: ['spec.components'],
  },
  {
    what: '65 components',
    mutate: (p) => {
      p.spec.components = Array.from({ length: 65 }, (_, i) => ({ name: `c${i}`, podSelector: {} }));
      p.spec.allow = [];
    },
    invalid: ['spec.components'],
  },
  {
    what: '257 flows',
    mutate: onSpec(
      'allow',
      Array.from({ length: 257 }, () => ({
        from: { component: 'frontend' },
        to: { component: 'backend' },
      })),
    ),
    invalid: ['spec.allow'],
  },
  { what: 'bad mode', mutate: onSpec('mode', 'Permissive'), invalid: ['spec.mode'] },
  {
    what: 'duplicate isolate',
    mutate: onSpec('isolate', ['Ingress', 'Ingress']),
    invalid: ['spec.isolate[1]'],
  },
  { what: 'empty isolate', mutate: onSpec('isolate', []), invalid: ['spec.isolate'] },
  {
    what: 'isolate: Ingress (a string, not a list)',
    mutate: onSpec('isolate', 'Ingress'),
    invalid: ['spec.isolate'],
  },
  {
    what: 'allowDNS: "yes" (quoted: a string)',
    edit: (y) => y.replace('allowDNS: true', 'allowDNS: "yes"'),
    invalid: ['spec.allowDNS'],
  },
  { what: 'unknown spec field', mutate: onSpec('alow', []), invalid: ['spec.alow'] },
  {
    what: 'unknown endpoint field',
    mutate: onFlow('to', { component: 'backend', ns: 'x' }),
    invalid: ['spec.allow[0].to.ns'],
  },
  {
    what: 'In without values',
    mutate: onSelector('matchExpressions', [{ key: 'a', operator: 'In' }]),
    invalid: ['spec.components[0].podSelector.matchExpressions[0].values'],
  },
  {
    what: 'Exists with values',
    mutate: onSelector('matchExpressions', [{ key: 'a', operator: 'Exists', values: ['x'] }]),
    invalid: ['spec.components[0].podSelector.matchExpressions[0].values'],
  },
  {
    what: 'bad label value',
    mutate: onSelector('matchLabels', { role: 'not valid!' }),
    invalid: ['spec.components[0].podSelector.matchLabels.role'],
  },
  {
    what: 'bad label key in matchLabels',
    mutate: onSelector('matchLabels', { 'bad key!': 'x' }),
    invalid: ['spec.components[0].podSelector.matchLabels'],
  },
  {
    what: 'label key name over 63 characters',
    mutate: onSelector('matchLabels', { [`a${'b'.repeat(63)}`]: 'x' }),
    invalid: ['spec.components[0].podSelector.matchLabels'],
  },
  {
    what: 'bad label key in matchExpressions',
    mutate: onSelector('matchExpressions', [{ key: '-a', operator: 'Exists' }]),
    invalid: ['spec.components[0].podSelector.matchExpressions[0].key'],
  },
  {
    what: '17 matchLabels',
    mutate: onSelector(
      'matchLabels',
      Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
    ),
    invalid: ['spec.components[0].podSelector.matchLabels'],
  },
  {
    what: 'bad namespace name',
    mutate: onFlow('from', { namespace: 'Bad_NS' }),
    invalid: ['spec.allow[0].from.namespace'],
  },
  { what: 'bad profile name', mutate: onMetadata('name', 'shop!'), invalid: ['metadata.name'] },
  {
    what: 'missing spec',
    mutate: (p) => {
      delete (p as { spec?: unknown }).spec;
    },
    invalid: ['spec'],
  },
];

/** The base profile of the table, with allowDNS written out so text edits can find it. */
export function baseProfile(namespace: string): Profile {
  const p = frontendBackendProfile('shop', namespace);
  p.spec.allowDNS = true;
  return p;
}

/** The YAML document of a case, as a user would write it (YAML 1.1 quoting: "yes" stays a string). */
export function caseYaml(c: ValidationCase, namespace: string): string {
  const p = baseProfile(namespace);
  c.mutate?.(p);
  const text = stringify(p, { version: '1.1', lineWidth: 0 });
  return c.edit ? c.edit(text) : text;
}

/** Exit code and the field path of every problem line (`<stdin>: NS/NAME: PATH: message`). */
export async function cliVerdict(yaml: string): Promise<{ code: number; paths: string[]; lines: string[] }> {
  let stderr = '';
  const code = await runCli(['validate', '-f', '-'], {
    stdout: () => undefined,
    stderr: (text) => {
      stderr += text;
    },
    readStdin: () => yaml,
    readCluster: () => Promise.reject(new Error('validate reads no cluster')),
    version: 'test',
  });
  const lines = stderr.split('\n').filter(Boolean);
  const paths = lines.map((line) => line.split(': ')[2] ?? '');
  return { code, paths, lines };
}
