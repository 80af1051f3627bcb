// The CLI release for krew (make cli-release): the tarball runs from an empty folder with only Node.js
// on PATH (its dependencies inside, nothing fetched), installs the way krew installs it (the manifest's
// files and bin, through a symlink), and the generated manifest is one krew accepts for this tarball.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../../../src/cli/run.js';
import { describeIf } from '../../helpers/skip.js';
import { findTool } from '../../helpers/tools.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const VERSION = `v${PKG.version}`;
const NAME = `apptrust-cli-${VERSION}`;
const REPO = 'example-owner/apptrust-operator';
const SAMPLE = join(ROOT, 'config', 'samples', 'frontend-backend.yaml');
const env = { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH}` };
const sh = (script: string) => spawnSync('sh', ['-c', script], { encoding: 'utf8' }).stdout.trim();
const gnuTar = sh('tar --version 2>/dev/null').includes('GNU tar');
const readlink = sh('command -v readlink');
// The real krew and krew-index's validator, when `make tools` could build them (release/fetch-krew.sh).
const KREW_VERSION = /KREW_VERSION=(v[\d.]+)/.exec(
  readFileSync(join(ROOT, 'release', 'fetch-krew.sh'), 'utf8'),
)?.[1];
const krewDir =
  process.env.APPTRUST_KREW_DIR ?? join(process.env.HOME ?? '', '.cache', 'apptrust', `krew-${KREW_VERSION}`);
const krew = existsSync(join(krewDir, 'krew')) && existsSync(join(krewDir, 'validate-krew-manifest'));
const kubectl = findTool('kubectl');

// biome-ignore lint/suspicious/noExplicitAny: the manifest is checked field by field below
type Manifest = Record<string, any>;
interface Platform {
  selector?: {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
  };
  uri: string;
  sha256: string;
  files: Array<{ from: string; to: string }>;
  bin: string;
}

const work = mkdtempSync(join(tmpdir(), 'apptrust-release-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const release = (dir: string) =>
  execFileSync(
    'make',
    ['--no-print-directory', 'cli-release', `RELEASE_DIR=${dir}`, `RELEASE_REPO=${REPO}`],
    {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      stdio: 'pipe',
    },
  );

/** A folder holding only the given commands (symlinks), for a PATH with nothing else on it. */
function pathWith(name: string, commands: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir);
  for (const [command, target] of Object.entries(commands)) symlinkSync(target, join(dir, command));
  return dir;
}

/** What the repository's own CLI prints for these arguments (in-process, from the sources). */
async function expectedOutput(argv: string[]): Promise<string> {
  let out = '';
  await runCli(argv, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      out += t;
    },
    readStdin: () => '',
    readCluster: () => Promise.reject(new Error('no cluster in this test')),
    version: PKG.version,
  });
  return out;
}

/** krew's label selector match (matchLabels and In/NotIn/Exists/DoesNotExist expressions). */
function selects(selector: Platform['selector'], labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector?.matchExpressions ?? []).every((e) => {
    const value = labels[e.key];
    if (e.operator === 'In') return value !== undefined && (e.values ?? []).includes(value);
    if (e.operator === 'NotIn') return value === undefined || !(e.values ?? []).includes(value);
    if (e.operator === 'Exists') return value !== undefined;
    if (e.operator === 'DoesNotExist') return value === undefined;
    throw new Error(`unknown operator ${e.operator}`);
  });
  return byLabels && byExpressions;
}

describeIf(gnuTar, 'GNU tar not found (the release archive is built with tar --sort and --mtime)')(
  'make cli-release',
  () => {
    const out = join(work, 'out');
    const tarball = join(out, `${NAME}.tar.gz`);
    const manifestFile = join(out, 'apptrust.yaml');
    let entries: string[] = [];
    let types: string[] = [];
    let manifest: Manifest = {};
    let unpacked = '';
    let nodeOnly = '';

    beforeAll(() => {
      release(out);
      entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
      types = execFileSync('tar', ['-tvzf', tarball], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((line) => line.charAt(0));
      manifest = parse(readFileSync(manifestFile, 'utf8')) as Manifest;
      unpacked = join(work, 'empty');
      mkdirSync(unpacked);
      expect(readdirSync(unpacked)).toEqual([]);
      execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
      nodeOnly = pathWith('node-only', { node: process.execPath });
    }, 300_000);

    it('holds one folder: the launchers, the licence, the compiled CLI and its production dependencies only', () => {
      expect(entries.every((e) => e.startsWith(`${NAME}/`))).toBe(true);
      for (const file of [
        'kubectl-apptrust',
        'apptrust',
        'LICENSE',
        'lib/package.json',
        'lib/dist/cli/bin.js',
      ])
        expect(entries).toContain(`${NAME}/${file}`);
      for (const dependency of ['yaml', 'zod', '@kubernetes/client-node', '@viz-js/viz'])
        expect(entries).toContain(`${NAME}/lib/node_modules/${dependency}/package.json`);
      const devOnly = Object.keys(PKG.devDependencies).filter((d) =>
        entries.some((e) => e.startsWith(`${NAME}/lib/node_modules/${d}/`)),
      );
      expect(devOnly).toEqual([]);
      // krew unpacks regular files and directories only: a symlink (node_modules/.bin) fails the install.
      expect(new Set(types)).toEqual(new Set(['-', 'd']));
      expect(entries.filter((e) => /\.(ts|map)$/.test(e) || e.includes('/lib/dist/bench/'))).toEqual([]);
      expect(
        entries.filter((e) => e.startsWith(`${NAME}/lib/src/`) || e.startsWith(`${NAME}/lib/test/`)),
      ).toEqual([]);
    });

    it('runs from the empty folder it was unpacked into, with only Node.js on PATH', async () => {
      cpSync(SAMPLE, join(unpacked, 'frontend-backend.yaml'));
      const run = (bin: string, args: string[]) =>
        spawnSync(join(unpacked, NAME, bin), args, {
          cwd: unpacked,
          env: { PATH: nodeOnly },
          encoding: 'utf8',
        });

      const render = run('kubectl-apptrust', ['render', '-f', 'frontend-backend.yaml']);
      expect(render.stderr).toBe('');
      expect(render.status).toBe(0);
      expect(render.stdout).toBe(await expectedOutput(['render', '-f', SAMPLE]));
      expect(render.stdout).toContain('kind: NetworkPolicy');

      expect(run('apptrust', ['--version'])).toMatchObject({
        status: 0,
        stdout: `${PKG.version}\n`,
        stderr: '',
      });
      // The heaviest dependency: Graphviz compiled to WebAssembly.
      const svg = run('apptrust', ['explain', '-f', 'frontend-backend.yaml', '-o', 'svg']);
      expect(svg.stderr).toBe('');
      expect(svg.stdout.startsWith('<?xml')).toBe(true);
    });

    it('refuses a Node.js older than the engines range, or none, with one line; takes the oldest allowed', () => {
      expect(PKG.engines.node).toBe('>=22.19');
      const fakeNode = (version: string) => {
        const dir = join(work, `node-${version}`);
        mkdirSync(dir);
        writeFileSync(join(dir, 'node'), `#!/bin/sh\necho v${version}\n`, { mode: 0o755 });
        return dir;
      };
      const launch = (path: string) =>
        spawnSync(join(unpacked, NAME, 'apptrust'), ['--version'], { env: { PATH: path }, encoding: 'utf8' });
      expect(launch(fakeNode('22.18.0'))).toMatchObject({
        status: 126,
        stdout: '',
        stderr:
          'apptrust: needs Node.js >= 22.19, `node` is v22.18.0 (install a newer one, or set APPTRUST_NODE to a node binary)\n',
      });
      expect(launch(fakeNode('9.99.0'))).toMatchObject({ status: 126 });
      expect(launch(join(work, 'nothing-here'))).toMatchObject({ status: 127, stdout: '' });
      expect(launch(join(work, 'nothing-here')).stderr).toContain('no `node` on PATH');
      // The fake 22.19.0 is accepted and run: it prints its version whatever the arguments.
      expect(launch(fakeNode('22.19.0'))).toMatchObject({ status: 0, stdout: 'v22.19.0\n', stderr: '' });
    });

    it("installs as krew does: the manifest's files into a plugin folder, its bin linked as kubectl-apptrust", () => {
      const [platform] = manifest.spec.platforms as Platform[];
      const extracted = join(work, 'krew-download');
      const installed = join(work, 'krew-store', 'apptrust', VERSION);
      mkdirSync(extracted);
      mkdirSync(installed, { recursive: true });
      execFileSync('tar', ['-xzf', tarball, '-C', extracted]);
      for (const { from, to } of platform?.files ?? []) {
        // Plain paths only (krew also takes globs): each must exist in the archive.
        expect(from).not.toMatch(/[*?[]/);
        expect(existsSync(join(extracted, from))).toBe(true);
        cpSync(join(extracted, from), join(installed, to === '.' ? basename(from) : to), { recursive: true });
      }
      const krewBin = join(work, 'krew-bin');
      mkdirSync(krewBin);
      symlinkSync(join(installed, platform?.bin ?? ''), join(krewBin, 'kubectl-apptrust'));
      const path = pathWith('node-and-readlink', { node: process.execPath, readlink });
      const version = spawnSync('kubectl-apptrust', ['--version'], {
        cwd: work,
        env: { PATH: `${krewBin}${delimiter}${path}` },
        encoding: 'utf8',
      });
      expect({ status: version.status, stdout: version.stdout, stderr: version.stderr }).toEqual({
        status: 0,
        stdout: `${PKG.version}\n`,
        stderr: '',
      });
      expect(readdirSync(installed).sort()).toEqual(['LICENSE', 'kubectl-apptrust', 'lib']);
    });

    it("is a manifest krew accepts: required fields, this tarball's sha256, linux and darwin on amd64 and arm64", () => {
      // krew's checks (pkg/index/validation): name = file name, safe; kind and apiVersion; a short
      // description; a semver version with its v; per platform a uri, a lowercase sha256, bin, files
      // and a non-empty selector on os and arch only.
      expect(manifest).toMatchObject({
        apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
        kind: 'Plugin',
        metadata: { name: basename(manifestFile, '.yaml') },
        spec: { version: VERSION, homepage: `https://github.com/${REPO}` },
      });
      expect(manifest.metadata.name).toMatch(/^[\w-]+$/);
      expect(manifest.spec.version).toMatch(/^v\d+\.\d+\.\d+$/);
      expect(manifest.spec.shortDescription.length).toBeGreaterThan(10);
      expect(manifest.spec.description.length).toBeGreaterThan(50);
      expect(manifest.spec.caveats).toContain('22.19');
      const platforms = manifest.spec.platforms as Platform[];
      expect(platforms.length).toBeGreaterThan(0);
      const digest = sha256(tarball);
      expect(readFileSync(`${tarball}.sha256`, 'utf8')).toBe(`${digest}  ${NAME}.tar.gz\n`);
      for (const p of platforms) {
        expect(p.uri).toBe(`https://github.com/${REPO}/releases/download/${VERSION}/${NAME}.tar.gz`);
        expect(p.sha256).toMatch(/^[a-f0-9]{64}$/);
        expect(p.sha256).toBe(digest);
        expect(p.bin).toBe('kubectl-apptrust');
        expect(p.files.length).toBeGreaterThan(0);
        expect(p.files.map((f) => f.from)).toContain(`${NAME}/LICENSE`);
        const keys = [
          ...Object.keys(p.selector?.matchLabels ?? {}),
          ...(p.selector?.matchExpressions ?? []).map((e) => e.key),
        ];
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.filter((k) => k !== 'os' && k !== 'arch')).toEqual([]);
      }
      const matching = (os: string, arch: string) =>
        platforms.filter((p) => selects(p.selector, { os, arch }));
      for (const os of ['linux', 'darwin'])
        for (const arch of ['amd64', 'arm64'])
          expect({ os, arch, n: matching(os, arch).length }).toEqual({ os, arch, n: 1 });
      // The launcher is a shell script: krew runs only .exe entrypoints on Windows.
      expect(matching('windows', 'amd64')).toEqual([]);
    });

    it('is plugins/apptrust.yaml with its placeholders filled', () => {
      const template = readFileSync(join(ROOT, 'plugins', 'apptrust.yaml'), 'utf8');
      const body = template.slice(template.indexOf('\n\n') + 2);
      const filled = body
        .replaceAll('@VERSION@', VERSION)
        .replaceAll('@REPO@', REPO)
        .replaceAll('@SHA256@', sha256(tarball));
      expect(readFileSync(manifestFile, 'utf8')).toBe(filled);
      expect(parse(template)).toMatchObject({ kind: 'Plugin', metadata: { name: 'apptrust' } });
    });

    describeIf(krew, `krew not found in ${krewDir} (make tools builds it with Go)`)(
      'with the real krew',
      () => {
        it("passes krew-index's validate-krew-manifest, which refuses a selector krew does not know", () => {
          const validate = (file: string) =>
            spawnSync(join(krewDir, 'validate-krew-manifest'), ['-manifest', file, '-skip-install'], {
              encoding: 'utf8',
            });
          const ok = validate(manifestFile);
          expect({ status: ok.status, stderr: ok.stderr }).toMatchObject({ status: 0 });
          expect(ok.stderr).toContain('structural validation OK');
          const bad = join(work, 'bad', 'apptrust.yaml');
          mkdirSync(join(work, 'bad'));
          writeFileSync(bad, readFileSync(manifestFile, 'utf8').replace('- key: arch', '- key: cpu'));
          expect(validate(bad).stderr).toContain('key "cpu" not supported');
        });

        it('installs from the manifest and the tarball (sha256 checked), and kubectl apptrust runs', async () => {
          const root = join(work, 'krew-root');
          const install = (manifest: string) =>
            spawnSync(join(krewDir, 'krew'), ['install', `--manifest=${manifest}`, `--archive=${tarball}`], {
              env: { PATH: process.env.PATH, HOME: work, KREW_ROOT: root },
              input: '',
              encoding: 'utf8',
            });
          // Control: krew refuses the tarball when the manifest names another sha256.
          const wrong = join(work, 'wrong-sha', 'apptrust.yaml');
          mkdirSync(join(work, 'wrong-sha'));
          writeFileSync(
            wrong,
            readFileSync(manifestFile, 'utf8').replace(
              /sha256: "(.)/,
              (_, c) => `sha256: "${c === '0' ? '1' : '0'}`,
            ),
          );
          expect(install(wrong).stderr).toContain('checksum does not match');

          const installed = install(manifestFile);
          expect({ status: installed.status, stderr: installed.stderr }).toMatchObject({ status: 0 });
          expect(installed.stderr).toContain('Installed plugin: apptrust');
          const path = [join(root, 'bin'), pathWith('krew-node', { node: process.execPath, readlink })];
          const render = spawnSync(join(root, 'bin', 'kubectl-apptrust'), ['render', '-f', SAMPLE], {
            env: { PATH: path.join(delimiter) },
            encoding: 'utf8',
          });
          expect({ status: render.status, stderr: render.stderr }).toEqual({ status: 0, stderr: '' });
          expect(render.stdout).toBe(await expectedOutput(['render', '-f', SAMPLE]));
          if (kubectl) {
            // kubectl finds the plugin on PATH, as after `kubectl krew install apptrust`.
            const viaKubectl = spawnSync(kubectl, ['apptrust', '--version'], {
              env: { PATH: path.join(delimiter), HOME: work },
              encoding: 'utf8',
            });
            expect({ status: viaKubectl.status, stdout: viaKubectl.stdout }).toEqual({
              status: 0,
              stdout: `${PKG.version}\n`,
            });
          } else console.warn('kubectl not found: `kubectl apptrust` itself is not run (make tools)');
        });
      },
    );

    it('is reproducible: a second build gives the same bytes', () => {
      const again = join(work, 'again');
      release(again);
      expect(sha256(join(again, `${NAME}.tar.gz`))).toBe(sha256(tarball));
    }, 300_000);
  },
);
