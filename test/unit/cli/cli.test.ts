// The CLI through the real binary (node dist/cli/bin.js), built once for this file.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');

beforeAll(() => {
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT });
});

function apptrust(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const profile = (name: string, extra = '') => `apiVersion: apptrust.dev/v1alpha1
kind: AppTrustProfile
metadata: {name: ${name}${extra}}
spec:
  components: [{name: web, podSelector: {matchLabels: {app: web}}}]
`;

describe('apptrust CLI', () => {
  it('renders the samples directory as multi-document YAML sorted by namespace then name', () => {
    const r = apptrust(['render', '-f', 'config/samples/']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const docs = parseAllDocuments(r.stdout).map(
      (d) => d.toJS() as { kind: string; metadata: { namespace: string; name: string } },
    );
    const keys = docs.map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toContain('shop/shop.frontend');
    expect(docs.every((d) => d.kind === 'NetworkPolicy')).toBe(true);
  });

  it('prints a List with -o json and reads stdin with -f - and -n', () => {
    const r = apptrust(['render', '-f', '-', '-n', 'team', '-o', 'json'], profile('app'));
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as {
      kind: string;
      items: Array<{ metadata: { name: string; namespace: string } }>;
    };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(['team/app.web']);
  });

  it('is byte-stable across runs', () => {
    expect(apptrust(['render', '-f', 'config/samples']).stdout).toBe(
      apptrust(['render', '-f', 'config/samples']).stdout,
    );
  });

  it('rejects invalid input with FILE: NS/NAME: FIELD: message, exit 1 and nothing on stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apptrust-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `${profile('good')}---\n${profile('bad', ', namespace: prod')}  allow: [{from: {component: web}, to: {component: backnd}}]\n`,
    );
    const r = apptrust(['render', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${file}: prod/bad: spec.allow[0].to.component: unknown component "backnd"\n`);
  });

  it('validate prints nothing on success and the same problems on failure', () => {
    expect(apptrust(['validate', '-f', 'config/samples'])).toEqual({ code: 0, stdout: '', stderr: '' });
    const r = apptrust(['validate', '-f', '-'], profile('x').replace('name: web', 'name: Web'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('<stdin>: default/x: spec.components[0].name:');
  });

  it('reports YAML errors, missing files and duplicate profiles as invalid input', () => {
    expect(apptrust(['validate', '-f', '-'], 'a: [unclosed')).toMatchObject({ code: 1, stdout: '' });
    expect(apptrust(['validate', '-f', 'no/such/file.yaml'])).toMatchObject({
      code: 1,
      stderr: 'no/such/file.yaml: no such file or directory\n',
    });
    const r = apptrust(['validate', '-f', '-'], `${profile('x')}---\n${profile('x')}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('default/x: metadata.name: profile default/x is defined twice');
  });

  it('gives profiles a-b/c and a/b-c different policy names (v1 rendered a-b-c for both)', () => {
    const a = profile('a-b').replace('name: web', 'name: c');
    const b = profile('a').replace('name: web', 'name: b-c');
    const r = apptrust(['render', '-f', '-'], `${a}---\n${b}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('name: a-b.c\n');
    expect(r.stdout).toContain('name: a.b-c\n');
  });

  it('exits 2 on usage errors', () => {
    expect(apptrust(['render']).code).toBe(2);
    expect(apptrust(['bogus']).code).toBe(2);
    expect(apptrust(['render', '-f', 'x', '-o', 'xml']).code).toBe(2);
    expect(apptrust(['render', '-f', 'x', '--frobnicate']).code).toBe(2);
  });

  it('prints help with exit 0', () => {
    const r = apptrust(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('apptrust render');
  });

  it('stops quietly when its reader goes away (`apptrust render ... | head`)', async () => {
    const child = spawn(process.execPath, [BIN, 'render', '-f', 'config/samples/'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reading end closes before the CLI writes: its write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('skips documents of other kinds in a manifest folder', () => {
    const r = apptrust(
      ['render', '-f', '-'],
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n${profile('app')}`,
    );
    expect(r.code).toBe(0);
    expect(parse(r.stdout)).toMatchObject({ kind: 'NetworkPolicy', metadata: { name: 'app.web' } });
  });
});
