// The dataplane's state file: everything a later process (a test file, `make dataplane-down` after a
// killed run) needs to find and remove what a run made. Names and address ranges derive from the
// state directory, so two checkouts (or the tests and the demo) run side by side on one machine.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface HostRecord {
  netns: string;
  ipv4: string;
  ipv6?: string;
  /** Control socket of the host's agent (serves ports, runs probes). */
  socket: string;
  agentPid?: number;
}

export interface PodRecord extends HostRecord {
  namespace: string;
  name: string;
}

export interface ExternalRecord extends HostRecord {
  name: string;
}

export interface DataplaneState {
  id: string;
  stateDir: string;
  /** Unix sockets live here (short path: a socket path has at most 107 bytes). */
  socketDir: string;
  nodeNetns: string;
  nodeName: string;
  /** The run's /20 inside 10.244.0.0/16 is 10.244.(16 * block).0/20; IPv6 fd00:10:244:<block>::/64. */
  block: number;
  nextHost: number;
  kubeconfig: string;
  /** Long-lived processes, by role (enforcer, api-bridge, api-bridge-node, operator). */
  pids: Record<string, number>;
  pods: Record<string, PodRecord>;
  externals: Record<string, ExternalRecord>;
}

const STATE_FILE = 'dataplane.json';

/** The identity of a state directory: a short hash of its absolute path. */
export function runIdentity(stateDir: string): {
  id: string;
  prefix: string;
  block: number;
  socketDir: string;
} {
  const hash = createHash('sha256').update(resolve(stateDir)).digest('hex');
  const id = hash.slice(0, 6);
  return {
    id,
    // Network namespace names: at<id>-node, at<id>-<n>, at<id>-x<n>.
    prefix: `at${id}-`,
    block: Number.parseInt(hash.slice(6, 8), 16) % 16,
    socketDir: join(tmpdir(), `apptrust-dataplane-${id}`),
  };
}

export function readState(stateDir: string): DataplaneState | undefined {
  const file = join(stateDir, STATE_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DataplaneState) : undefined;
}

/** Written atomically (rename), so a run killed mid-write leaves the previous complete state. */
export function writeState(state: DataplaneState): void {
  mkdirSync(state.stateDir, { recursive: true });
  const file = join(state.stateDir, STATE_FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

export function stateFile(stateDir: string): string {
  return join(stateDir, STATE_FILE);
}

/** The IPv4 address of host number `n` (1 is the node side of every pod link) in the run's /20. */
export function ipv4Of(block: number, n: number): string {
  const offset = block * 16 * 256 + n;
  return `10.244.${Math.floor(offset / 256)}.${offset % 256}`;
}

/**
 * In RFC 5952 form, the only form the enforcer finds: it looks a packet's address up by its
 * canonical text among the pods' status.podIPs, so block 0 must read fd00:10:244::n, not
 * fd00:10:244:0::n (which the API server accepts as written, and the enforcer then never matches).
 */
export function ipv6Of(block: number, n: number): string {
  return block === 0
    ? `fd00:10:244::${n.toString(16)}`
    : `fd00:10:244:${block.toString(16)}::${n.toString(16)}`;
}

/** Host numbers skip .0 and .255 (not wrong with /32 routes, only confusing to read). */
export function nextHostNumber(n: number): number {
  let next = n + 1;
  while (next % 256 === 0 || next % 256 === 255) next++;
  if (next >= 16 * 256) throw new Error('dataplane: the run /20 is full (4,000 hosts)');
  return next;
}
