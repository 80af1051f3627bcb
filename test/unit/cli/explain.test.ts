// apptrust explain and diff through the real binary (node dist/cli/bin.js), golden output in every
// format. UPDATE_GOLDEN=1 rewrites the golden files (*.golden: byte-exact output, which no formatter
// touches); review their diff like code.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { COMPONENT_LABEL, PROFILE_LABEL, renderProfiles } from '../../../src/compiler/index.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const GOLDEN = join(import.meta.dirname, 'golden');
const FIXTURES = 'test/unit/cli/fixtures';

beforeAll(() => {
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT });
});

function apptrust(args: string[], input?: string, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SAMPLES = ['-f', 'config/samples/', '-f', `${FIXTURES}/samples-world.yaml`, '--baseline'];
const EXTERNALS = ['--external', '203.0.113.10', '--external', '8.8.8.8'];
/** A verdict between two pods of the samples. */
const VERDICT = [
  'explain',
  ...SAMPLES,
  '--from',
  'shop/frontend-7d9f5-axk0q',
  '--to',
  'shop/backend-5c4b8-axk0q',
];
const DIFF = [
  'diff',
  '--old',
  'config/samples/frontend-backend.yaml',
  '--new',
  `${FIXTURES}/shop-v2.yaml`,
  '-f',
  `${FIXTURES}/samples-world.yaml`,
  '--baseline',
  '--external',
  '203.0.113.10',
];

/**
 * Golden files name rendered policies as {profile:component}: the compiler owns the name's form
 * (it changes from "profile-component" to "profile.component"), these tests own what is said.
 */
const RENDERED = (() => {
  const files = ['frontend-backend', 'deny-all', 'egress-one-ip', 'healthcare', 'fintech'].map(
    (f) => `config/samples/${f}.yaml`,
  );
  const sources = [...files, `${FIXTURES}/shop-v2.yaml`].flatMap((f) =>
    parseAllDocuments(readFileSync(join(ROOT, f), 'utf8')).map((d) => ({ source: f, value: d.toJS() })),
  );
  return renderProfiles(sources.slice(0, -1))
    .policies.concat(renderProfiles(sources.slice(-1)).policies)
    .map((p) => ({
      name: `${p.metadata.namespace}/${p.metadata.name}`,
      token: `${p.metadata.namespace}/{${p.metadata.labels[PROFILE_LABEL]}:${p.metadata.labels[COMPONENT_LABEL]}}`,
    }))
    .sort((a, b) => b.name.length - a.name.length);
})();
/** A file of `text` in a new temporary folder. */
function tempFile(prefix: string, name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), prefix)), name);
  writeFileSync(file, text);
  return file;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function normalized(text: string): string {
  let out = text;
  for (const { name, token } of RENDERED)
    out = out.replace(new RegExp(`${escapeRegExp(name)}(?![\\w.-])`, 'g'), token);
  return out;
}

const CASES: Array<[string, string[]]> = [
  ['explain-matrix.txt', ['explain', ...SAMPLES, ...EXTERNALS]],
  ['explain-matrix.json', ['explain', ...SAMPLES, ...EXTERNALS, '-o', 'json']],
  ['explain-matrix.md', ['explain', ...SAMPLES, '--from', 'shop/frontend', '-o', 'markdown']],
  ['explain-graph.mmd', ['explain', ...SAMPLES, ...EXTERNALS, '-o', 'mermaid']],
  ['explain-graph.dot', ['explain', ...SAMPLES, ...EXTERNALS, '-o', 'dot']],
  ['explain-graph.svg', ['explain', ...SAMPLES, ...EXTERNALS, '-o', 'svg']],
  ['explain-verdict.txt', [...VERDICT, '--port', '8080', '--port', '9090']],
  [
    'explain-verdict-external.txt',
    ['explain', ...SAMPLES, '--from', 'fintech/transactions', '--to', '198.51.100.200', '--port', '443'],
  ],
  ['diff.txt', DIFF],
  ['diff.json', [...DIFF, '-o', 'json']],
  ['diff.md', [...DIFF, '-o', 'markdown']],
];

describe('apptrust explain / diff golden output', () => {
  it.each(CASES)('%s', (golden, args) => {
    const r = apptrust(args);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const file = join(GOLDEN, `${golden}.golden`);
    const output = normalized(r.stdout);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, output);
    expect(existsSync(file) ? readFileSync(file, 'utf8') : `missing golden file ${golden}`).toBe(output);
  });

  it('is byte-stable across runs (svg included)', () => {
    for (const [, args] of [CASES[0], CASES[5], CASES[8]] as Array<[string, string[]]>)
      expect(apptrust(args).stdout).toBe(apptrust(args).stdout);
  });
});

describe('apptrust explain', () => {
  it('prints the documented JSON shape: one item per evaluated cell, pods by namespace/name', () => {
    const out = JSON.parse(apptrust(['explain', ...SAMPLES, '-o', 'json']).stdout) as {
      apiVersion: string;
      kind: string;
      items: Array<Record<string, unknown>>;
    };
    expect(out.apiVersion).toBe('apptrust.dev/v1alpha1');
    expect(out.kind).toBe('Reachability');
    for (const item of out.items)
      expect(Object.keys(item)).toEqual(['from', 'to', 'port', 'protocol', 'allowed', 'reasons']);
    expect(out.items).toContainEqual(
      expect.objectContaining({
        from: 'shop/frontend',
        to: 'shop/backend',
        port: 8080,
        protocol: 'TCP',
        allowed: true,
      }),
    );
  });

  it('a verdict names the policies, rules and the profile flow', () => {
    const r = apptrust(VERDICT);
    expect(r.stdout).toContain('shop/frontend-7d9f5-axk0q -> shop/backend-5c4b8-axk0q TCP/8080: allowed');
    expect(r.stdout).toContain('(shop/shop spec.allow[1])');
  });

  it('reads typed lists (PodList items carry no kind) and stdin', () => {
    const podList = JSON.stringify({
      apiVersion: 'v1',
      kind: 'PodList',
      items: [
        {
          metadata: { name: 'a', namespace: 'x', labels: { app: 'a' } },
          spec: { containers: [{ ports: [{ containerPort: 80 }] }] },
          status: { podIP: '10.0.0.1' },
        },
        {
          metadata: { name: 'b', namespace: 'x', labels: { app: 'b' } },
          spec: { containers: [{ ports: [{ containerPort: 80 }] }] },
          status: { podIP: '10.0.0.2' },
        },
      ],
    });
    const r = apptrust(['explain', '-f', '-', '--baseline', '-o', 'json'], podList);
    expect(r.code).toBe(0);
    const items = (
      JSON.parse(r.stdout) as { items: Array<{ from: string; allowed: boolean; reasons: string[] }> }
    ).items;
    expect(items.map((i) => [i.from, i.allowed])).toEqual([
      ['x/a', false],
      ['x/b', false],
    ]);
    expect(items[0]?.reasons[0]).toBe('egress from x/a: isolated by x/apptrust-default-deny; no rule allows');
  });

  it('a malformed object is invalid input naming its field: exit 1, nothing on stdout', () => {
    const file = tempFile(
      'apptrust-explain-',
      'bad.yaml',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec: {podSelector: {}, ingress: [{ports: [{protocol: ICMP}]}]}\n',
    );
    expect(apptrust(['explain', '-f', file])).toEqual({
      code: 1,
      stdout: '',
      stderr: `${file}: x/p: spec.ingress[0].ports[0].protocol: must be TCP, UDP or SCTP\n`,
    });
  });

  it('usage errors exit 2: unknown endpoint flags, bad ports, bad outputs, missing input', () => {
    for (const args of [
      ['explain'],
      ['explain', '-f', 'x', '--port', '70000'],
      ['explain', '-f', 'x', '-o', 'yaml'],
      ['explain', '-f', 'x', '--old-cluster'],
      ['diff', '--new', 'x'],
      ['diff', '--old', 'x', '--new', 'y', '-o', 'svg'],
      ['render', '-f', 'x', '--baseline'],
      ['explain', '-f', 'x', '--dns-ports=ICMP/1'],
    ])
      expect(apptrust(args)).toMatchObject({ code: 2, stdout: '' });
    expect(apptrust(['explain', '-f', 'x', '--dns-ports=ICMP/1']).stderr).toMatch(
      /^apptrust: --dns-ports: bad entry "ICMP\/1"/,
    );
  });

  it('an unknown --from is invalid input (exit 1)', () => {
    expect(apptrust(['explain', ...SAMPLES, '--from', 'shop/nope'])).toMatchObject({
      code: 1,
      stderr: '--from: no pod, workload or address "shop/nope" in the world\n',
    });
  });

  it('--cluster with an unreachable kubeconfig says so and exits 1', () => {
    const kubeconfig = tempFile(
      'apptrust-kubeconfig-',
      'config',
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: ctx, context: {cluster: c, user: u}}]\ncurrent-context: ctx\n',
    );
    const r = apptrust(['explain', '--cluster'], undefined, { ...process.env, KUBECONFIG: kubeconfig });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^apptrust: cluster: .*ECONNREFUSED/);
  });
});

describe('apptrust diff', () => {
  it('prints exactly the flows that changed between two versions of a sample', () => {
    const r = apptrust(DIFF);
    expect(r.stdout.split('\n').filter((l) => /^[+-] /.test(l))).toEqual([
      '+ ingress-nginx/controller -> shop/backend TCP/8080',
      '- shop/backend -> 203.0.113.10 TCP/443',
    ]);
    const json = JSON.parse(apptrust([...DIFF, '-o', 'json']).stdout) as {
      items: Array<{ change: string; reasons: string[] }>;
    };
    expect(json.items.map((i) => i.change)).toEqual(['added', 'removed']);
    expect(json.items[0]?.reasons.join(' ')).toContain('(shop/shop spec.allow[2])');
  });

  it('--exit-code: 1 when flows change, 0 when none do', () => {
    expect(apptrust([...DIFF, '--exit-code']).code).toBe(1);
    const same = [
      'diff',
      '--old',
      'config/samples/',
      '--new',
      'config/samples/',
      '-f',
      `${FIXTURES}/samples-world.yaml`,
      '--exit-code',
    ];
    expect(apptrust(same)).toEqual({ code: 0, stdout: 'No flow changes.\n', stderr: '' });
  });
});

describe("DNS flags (the operator's own definitions)", () => {
  it('render uses --dns-namespace, --dns-pod-labels and --dns-ports', () => {
    const r = apptrust([
      'render',
      '-f',
      'config/samples/frontend-backend.yaml',
      '-o',
      'json',
      '--dns-namespace=openshift-dns',
      '--dns-pod-labels=dns.operator.openshift.io/daemonset-dns=default',
      '--dns-ports=UDP/5353,TCP/5353',
    ]);
    expect(r.code).toBe(0);
    const text = JSON.stringify(parse(r.stdout));
    expect(text).toContain('"kubernetes.io/metadata.name":"openshift-dns"');
    expect(text).toContain('"dns.operator.openshift.io/daemonset-dns":"default"');
    expect(text).toContain('"port":5353');
    expect(text).not.toContain('kube-dns');
  });
});
