// Removes everything a dataplane run made, from its state file or, when a killed run left no usable
// state, from the names it derives from its state directory: processes first (the enforcer with
// SIGINT so it removes its table), then every network namespace of the run (their links, routes and
// nft tables go with them), the API bridge, the socket directory and the state file.
import { rmSync } from 'node:fs';
import { stopEnforcer } from './enforcer.js';
import { deleteNamespace, runNamespaces } from './network.js';
import { stopProcess } from './processes.js';
import { readState, runIdentity, stateFile } from './state.js';

/** Marks that identify each recorded process before it is signalled (see processes.ts). */
const MARKS: Record<string, string> = {
  'api-bridge': 'socat',
  'api-bridge-node': 'socat',
  operator: 'main.js',
};

/** Returns what was removed, for the log; safe to call when nothing runs. */
export async function destroyDataplane(stateDir: string): Promise<string[]> {
  const identity = runIdentity(stateDir);
  const state = readState(stateDir);
  const removed: string[] = [];
  const pids = state?.pids ?? {};
  const stopping: Promise<unknown>[] = [];
  if (pids.enforcer)
    stopping.push(
      stopEnforcer(pids.enforcer).then((s) => s && removed.push(`enforcer (pid ${pids.enforcer})`)),
    );
  for (const [role, pid] of Object.entries(pids)) {
    const mark = MARKS[role];
    if (mark) stopping.push(stopProcess(pid, mark).then((s) => s && removed.push(`${role} (pid ${pid})`)));
  }
  await Promise.all(stopping);
  const namespaces = await runNamespaces(identity.prefix);
  // Pods and external hosts first, the node last.
  namespaces.sort((a, b) => Number(a.endsWith('-node')) - Number(b.endsWith('-node')));
  for (const netns of namespaces) await deleteNamespace(netns);
  if (namespaces.length > 0) removed.push(`${namespaces.length} network namespaces (${identity.prefix}*)`);
  rmSync(identity.socketDir, { recursive: true, force: true });
  rmSync(stateFile(stateDir), { force: true });
  return removed;
}
