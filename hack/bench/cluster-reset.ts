// A wiped control plane per run without rebuilding it: the etcd data directory is copied once the
// starting objects exist, and each run stops etcd, kube-apiserver and kube-controller-manager,
// puts the copy back and starts them again with their own command lines (read from /proc), on the
// same ports and certificates. Every run so sees the same objects, uids and resourceVersions.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { namespaces, networkPolicies, profiles } from '../../src/kube/paths.js';
import { getText } from './kube-stream.js';

interface State {
  pids: Record<string, number>;
}

interface Command {
  name: string;
  argv: string[];
}

const ORDER = ['etcd', 'apiserver', 'controllerManager'];
const LOGS: Record<string, string> = {
  etcd: 'etcd.log',
  apiserver: 'kube-apiserver.log',
  controllerManager: 'kube-controller-manager.log',
};

const READ_PATHS = [profiles(), networkPolicies(), namespaces()];

/** /readyz, then every resource the benchmark lists (a custom resource's storage starts later). */
export async function waitServed(kubeConfig: KubeConfig): Promise<void> {
  const deadline = Date.now() + 90_000;
  const paths = READ_PATHS.flatMap((p) => [`${p}?limit=1`, `${p}?resourceVersion=0`, p]);
  for (const path of ['/readyz', ...paths]) {
    while ((await getText(kubeConfig, path, 2000)).status !== 200) {
      if (Date.now() > deadline) throw new Error(`kube-apiserver: ${path} not served`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function stop(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

export class ClusterReset {
  private readonly commands: Command[];
  private readonly stateFile: string;

  constructor(
    private readonly dir: string,
    private readonly kubeConfig: KubeConfig,
  ) {
    this.stateFile = join(dir, 'state.json');
    const { pids } = JSON.parse(readFileSync(this.stateFile, 'utf8')) as State;
    this.commands = ORDER.map((name) => {
      const pid = pids[name];
      if (pid === undefined) throw new Error(`control plane state has no ${name}`);
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      return { name, argv };
    });
  }

  private get snapshotDir() {
    return join(this.dir, 'etcd-snapshot');
  }

  private get dataDir() {
    const flag = this.commands[0]?.argv.find((a) => a.startsWith('--data-dir='));
    if (!flag) throw new Error('etcd runs without --data-dir');
    return flag.slice('--data-dir='.length);
  }

  private async stopAll(): Promise<void> {
    const { pids } = JSON.parse(readFileSync(this.stateFile, 'utf8')) as State;
    for (const name of [...ORDER].reverse()) await stop(pids[name] as number);
  }

  private async startAll(): Promise<void> {
    const state = JSON.parse(readFileSync(this.stateFile, 'utf8')) as State & Record<string, unknown>;
    for (const { name, argv } of this.commands) {
      const log = openSync(join(this.dir, LOGS[name] as string), 'a');
      const child: ChildProcess = spawn(argv[0] as string, argv.slice(1), {
        detached: true,
        stdio: ['ignore', log, log],
      });
      child.unref();
      state.pids[name] = child.pid as number;
      writeFileSync(this.stateFile, JSON.stringify(state, null, 2));
      if (name === 'apiserver') await this.waitReady();
    }
  }

  private waitReady(): Promise<void> {
    return waitServed(this.kubeConfig);
  }

  /** Copies etcd's data as the starting state of every later `restore()`. */
  async snapshot(): Promise<void> {
    await this.stopAll();
    rmSync(this.snapshotDir, { recursive: true, force: true });
    cpSync(this.dataDir, this.snapshotDir, { recursive: true });
    await this.startAll();
  }

  /** Puts the snapshot back and restarts the control plane on it. */
  async restore(): Promise<void> {
    if (!existsSync(this.snapshotDir)) throw new Error('no snapshot taken');
    await this.stopAll();
    rmSync(this.dataDir, { recursive: true, force: true });
    cpSync(this.snapshotDir, this.dataDir, { recursive: true });
    await this.startAll();
  }
}
