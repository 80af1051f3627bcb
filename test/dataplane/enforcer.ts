// kind's NetworkPolicy enforcer (kube-network-policies) inside the node's network namespace.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../cluster/repo.js';
import { run } from './host.js';
import { alive, stopProcess } from './processes.js';

export const ENFORCER_TABLE = 'kube-network-policies';
const ENFORCER_MARK = 'kube-network-policies';

/** Builds (or reuses) the enforcer binary; the build's progress goes to stderr as it happens. Returns its path. */
export function enforcerBinary(): string {
  const out = execFileSync(join(REPO_ROOT, 'test', 'dataplane', 'enforcer', 'build.sh'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').pop() as string;
}

export interface EnforcerOptions {
  binary: string;
  netns: string;
  nodeName: string;
  /** A kubeconfig whose server is reachable from inside `netns`. */
  kubeconfig: string;
  log: string;
}

/** Starts the enforcer detached; returns its pid (`ip netns exec` execs it, so the pid is the enforcer's). */
export function startEnforcer(options: EnforcerOptions): number {
  const out = openSync(options.log, 'a');
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      options.netns,
      options.binary,
      `--kubeconfig=${options.kubeconfig}`,
      `--hostname-override=${options.nodeName}`,
      '--nfqueue-id=100',
      '--metrics-bind-address=127.0.0.1:9080',
      '--v=2',
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  return child.pid as number;
}

/** The enforcer's nft table in `netns`, or undefined while it is not loaded. */
export async function enforcerTable(netns: string): Promise<string | undefined> {
  try {
    return await run('ip', ['netns', 'exec', netns, 'nft', 'list', 'table', 'inet', ENFORCER_TABLE]);
  } catch {
    return undefined;
  }
}

/**
 * Waits until the enforcer has loaded a table that queues packets. Unchanged upstream code on a
 * kernel without the nft queue expression starts, logs a netlink error and enforces nothing: that
 * must fail here, not pass a test by accident.
 */
export async function waitForEnforcer(pid: number, netns: string, log: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) break;
    const table = await enforcerTable(netns);
    if (table && /queue|NFQUEUE/.test(table)) return table;
    await new Promise((r) => setTimeout(r, 100));
  }
  const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(
    `the enforcer did not load a queueing nft table in ${netns} within ${timeoutMs / 1000}s${alive(pid) ? '' : ' (it exited)'}; last log lines:\n${tail}`,
  );
}

/**
 * SIGINT, never SIGTERM: upstream handles only SIGINT (it then removes its table, ~5 s); SIGTERM
 * kills it with the table left behind, and the selected pods' new connections are then dropped.
 */
export function stopEnforcer(pid: number): Promise<boolean> {
  return stopProcess(pid, ENFORCER_MARK, 'SIGINT', 7_000);
}
