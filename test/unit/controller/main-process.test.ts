// The operator process as a user starts it (node dist/main.js, built by `make build`): --version,
// the start line, and a port in use as one line and exit code 2. No cluster: the kubeconfig names
// an address nothing answers on, and these checks finish before the operator needs the API.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'dist', 'main.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function kubeconfig(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'apptrust-main-')), 'kubeconfig');
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
  );
  return file;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run make build first`);
});

/** The first line the process writes on stdout (its start line). */
const firstLine = (child: ChildProcessWithoutNullStreams) =>
  new Promise<string>((resolve) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
    });
  });

it('--version prints the package version', () => {
  const r = spawnSync(process.execPath, [MAIN, '--version'], { encoding: 'utf8' });
  expect({ code: r.status, out: r.stdout }).toEqual({ code: 0, out: `apptrust-operator ${VERSION}\n` });
});

it('a port in use: one line on stderr, exit 2', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  const r = spawnSync(
    process.execPath,
    [
      MAIN,
      `--metrics-bind-address=127.0.0.1:${port}`,
      '--health-probe-bind-address=0',
      '--leader-elect=false',
    ],
    { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfig() }, timeout: 20_000 },
  );
  blocker.close();
  expect({ code: r.status, stderr: r.stderr }).toEqual({
    code: 2,
    stderr: `apptrust-operator: metrics: cannot listen on 127.0.0.1:${port}: address already in use\n`,
  });
});

it('starts with a line naming version, settings and endpoints; 127.0.0.1 addresses serve', async () => {
  const [metrics, probes] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      MAIN,
      `--metrics-bind-address=127.0.0.1:${metrics}`,
      '--metrics-secure=false', // no API server here to review tokens (the integration test does)
      `--health-probe-bind-address=127.0.0.1:${probes}`,
      '--leader-elect=false',
    ],
    { env: { ...process.env, KUBECONFIG: kubeconfig() } },
  );
  try {
    const first = await firstLine(child);
    const line = JSON.parse(first) as Record<string, unknown>;
    expect(line).toMatchObject({
      msg: `starting apptrust-operator ${VERSION}`,
      version: VERSION,
      metrics: `127.0.0.1:${metrics}/metrics`,
      probes: `127.0.0.1:${probes}/healthz,/readyz`,
      settings: expect.objectContaining({ leaderElect: false, concurrency: 32 }),
      // Started without node flags, it replaced itself with a process that has its V8 settings.
      nodeFlags: expect.arrayContaining(['--max-semi-space-size=16']),
    });
    expect((await fetch(`http://127.0.0.1:${probes}/healthz`)).status).toBe(200);
    const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    expect(text).toContain(`apptrust_build_info{version="${VERSION}"} 1`);
    expect(text).toContain('process_resident_memory_bytes');
  } finally {
    child.kill('SIGKILL');
  }
});

it('keeps V8 settings its starter gave (NODE_OPTIONS or the command line) instead of its own', async () => {
  for (const [nodeArgs, env] of [
    [[], { NODE_OPTIONS: '--max-semi-space-size=8' }],
    [['--max-semi-space-size=4'], {}],
  ] as const) {
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        MAIN,
        '--metrics-bind-address=0',
        '--health-probe-bind-address=0',
        '--leader-elect=false',
      ],
      { env: { ...process.env, ...env, KUBECONFIG: kubeconfig() } },
    );
    try {
      const first = await firstLine(child);
      // Its own value of the flag given is not added (nor is the process replaced to add it).
      expect((JSON.parse(first) as { nodeFlags: string[] }).nodeFlags).toEqual([...nodeArgs]);
    } finally {
      child.kill('SIGKILL');
    }
  }
});
