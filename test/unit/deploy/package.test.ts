// The CLI outside this repository: `npm pack`, install the tarball into an empty folder (its
// dependencies come from the registry), run `apptrust` and `kubectl-apptrust` from there.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  engines: { node: string };
};
// npm and node from node_modules/.bin (Node 24, the engines range), as `make` puts them first.
const env = { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH}` };
const work = mkdtempSync(join(tmpdir(), 'apptrust-pack-'));
let files: string[] = [];
let app = '';

beforeAll(() => {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  const packed = (JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>)[0];
  files = packed?.files.map((f) => f.path) ?? [];
  app = join(work, 'app');
  mkdirSync(app);
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--omit=dev', join(work, packed?.filename ?? '')],
    {
      cwd: app,
      env,
      stdio: 'pipe',
    },
  );
}, 180_000);

it('declares a public package with both bins and the engines it needs', () => {
  expect(PKG).toMatchObject({
    name: 'apptrust-operator',
    bin: { apptrust: 'dist/cli/bin.js', 'kubectl-apptrust': 'dist/cli/bin.js' },
    engines: { node: '>=22.19' },
  });
  expect(PKG).not.toHaveProperty('private');
});

it('ships compiled code, the README and the licence only: no sources, tests, maps, benchmarks or configs', () => {
  expect(files).toContain('dist/cli/bin.js');
  expect(files).toContain('dist/main.js');
  expect(files).toContain('LICENSE');
  expect(files.filter((f) => !/^(dist\/.*\.js|README\.md|LICENSE|package\.json)$/.test(f))).toEqual([]);
  expect(files.filter((f) => f.startsWith('dist/bench/') || f.endsWith('.map'))).toEqual([]);
});

it('runs apptrust and kubectl-apptrust from the folder it was installed into', () => {
  const bin = (name: string) => join(app, 'node_modules', '.bin', name);
  const version = spawnSync(bin('apptrust'), ['--version'], { cwd: app, env, encoding: 'utf8' });
  expect({ code: version.status, out: version.stdout }).toEqual({ code: 0, out: `${PKG.version}\n` });
  writeFileSync(
    join(app, 'p.yaml'),
    'apiVersion: apptrust.dev/v1alpha1\nkind: AppTrustProfile\nmetadata: {name: a, namespace: shop}\nspec:\n  allowDNS: yes\n  components: [{name: web, podSelector: {}}]\n',
  );
  const render = spawnSync(bin('kubectl-apptrust'), ['render', '-f', 'p.yaml'], {
    cwd: app,
    env,
    encoding: 'utf8',
  });
  expect(render.stderr).toBe('');
  expect(render.status).toBe(0);
  expect(render.stdout).toContain('kind: NetworkPolicy');
  expect(render.stdout).toContain('namespace: shop');
});
