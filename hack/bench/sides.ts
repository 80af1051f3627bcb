// The two sides as child processes of the harness, each with its own RSS and CPU: the floor
// (floor-client.js) and the operator itself (node dist/main.js). Both read the same kubeconfig and
// log to files under the benchmark's cluster directory.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../../test/cluster/repo.js';
import { BENCH_BASELINE_ARGS } from './baseline-scope.js';

export type SideName = 'floor' | 'operator';

export interface SideProcess {
  readonly pid: number;
  /** Resolves once the side has nothing left to do (the floor: written all; the operator: queues drained). */
  idle(): Promise<void>;
  /** Profile reconciles the operator has finished (the floor: undefined). */
  profileReconciles(): Promise<number | undefined>;
  stop(): Promise<void>;
}

export interface StartOptions {
  logFile: string;
  kubeconfig: string;
  /** Extra operator flags (e.g. --resync-period=5), or the floor's concurrency. */
  operatorArgs?: string[];
  floorConcurrency?: number;
  /** Node flags for the operator process (the memory benchmark's probe). */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

const NODE = process.execPath;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function failOnEarlyExit(child: ChildProcess, name: string, logFile: string): void {
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL')
      process.stderr.write(`bench: ${name} exited early (code ${code}, signal ${signal}); see ${logFile}\n`);
  });
}

export function startFloor(options: StartOptions): SideProcess {
  const log = openSync(options.logFile, 'a');
  const child = spawn(NODE, [join(REPO_ROOT, 'dist-test', 'hack', 'bench', 'floor-client.js')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      KUBECONFIG: options.kubeconfig,
      BENCH_FLOOR_CONCURRENCY: String(options.floorConcurrency ?? 32),
    },
    stdio: ['ignore', 'pipe', log],
  });
  failOnEarlyExit(child, 'floor', options.logFile);
  const synced = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.includes('"synced"')) resolve();
    });
  });
  return {
    pid: child.pid as number,
    idle: () => synced,
    profileReconciles: async () => undefined,
    stop: () => stopChild(child),
  };
}

/** Prometheus text → sum of the samples of `metric` whose labels include every `match`. */
export function sumMetric(text: string, metric: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (Object.entries(match).some(([k, v]) => !line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

function fetchText(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}

/** The node flags the image runs the operator with (Dockerfile NODE_OPTIONS; a unit test compares). */
export const IMAGE_NODE_FLAGS = '--max-semi-space-size=2';

export async function startOperator(options: StartOptions): Promise<SideProcess> {
  const port = await freePort();
  const log = openSync(options.logFile, 'a');
  const args = [
    ...(process.env.BENCH_OPERATOR_NODE_FLAGS ?? IMAGE_NODE_FLAGS).split(' ').filter(Boolean),
    ...(options.nodeArgs ?? []),
    join(REPO_ROOT, 'dist', 'main.js'),
    '--leader-elect=false',
    ...BENCH_BASELINE_ARGS,
    `--metrics-bind-address=127.0.0.1:${port}`,
    '--metrics-secure=false',
    '--health-probe-bind-address=0',
    ...(process.env.BENCH_OPERATOR_ARGS?.split(' ').filter(Boolean) ?? []),
    ...(options.operatorArgs ?? []),
  ];
  const child = spawn(NODE, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env, KUBECONFIG: options.kubeconfig },
    stdio: ['ignore', log, log],
  });
  failOnEarlyExit(child, 'operator', options.logFile);
  const metrics = () => fetchText(port);
  /** Queues empty and nothing finished (reconcile or request) over three polls 200 ms apart. */
  const idle = async () => {
    let last = '';
    let stable = 0;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`operator exited (${child.exitCode}); see ${options.logFile}`);
      const text = await metrics();
      if (text !== undefined && sumMetric(text, 'workqueue_depth') === 0) {
        const progress = [
          sumMetric(text, 'controller_runtime_reconcile_total'),
          sumMetric(text, 'apptrust_api_requests_total'),
          sumMetric(text, 'workqueue_adds_total'),
        ].join(',');
        stable = progress === last ? stable + 1 : 0;
        last = progress;
        if (stable >= 2) return;
      } else stable = 0;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return {
    pid: child.pid as number,
    idle,
    profileReconciles: async () => {
      const text = await metrics();
      return text === undefined
        ? 0
        : sumMetric(text, 'controller_runtime_reconcile_total', { controller: 'apptrustprofile' });
    },
    stop: () => stopChild(child),
  };
}

/** A process holding only Node and an imported @kubernetes/client-node: the runtime floor of RSS. */
export async function startRuntimeFloor(): Promise<SideProcess> {
  const child = spawn(
    NODE,
    [
      '--input-type=module',
      '-e',
      "await import('@kubernetes/client-node'); console.log('imported'); setInterval(() => {}, 1 << 30);",
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) =>
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', () => resolve()),
  );
  return {
    pid: child.pid as number,
    idle: async () => undefined,
    profileReconciles: async () => undefined,
    stop: () => stopChild(child),
  };
}
