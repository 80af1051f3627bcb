// The local control plane: etcd, kube-apiserver and kube-controller-manager as plain processes on
// loopback, the way controller-runtime's envtest runs them. No Docker, no root.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type ClusterCerts, makeCerts, makeClientCert } from './certs.js';
import { REPO_ROOT } from './repo.js';

export interface RunningControlPlane {
  dir: string;
  kubeconfig: string;
  server: string;
  pids: Record<string, number>;
  certs: ClusterCerts;
  /** etcd's client URL (its v3 HTTP/JSON gateway answers there too). */
  etcdUrl: string;
  /** How kube-apiserver was started, so a test can stop it and start it again on the same port and data. */
  apiserverCommand: { binary: string; args: string[] };
  /** The audit log, when the control plane was started with an audit policy. */
  auditLog?: string;
}

const STATE_FILE = 'state.json';

/** Builds (or reuses) the binaries and returns their directory. */
export function controlPlaneBinaries(): string {
  const out = execFileSync(join(REPO_ROOT, 'test', 'cluster', 'build.sh'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = out.trim().split('\n');
  for (const line of lines.slice(0, -1)) process.stderr.write(`${line}\n`);
  return lines[lines.length - 1] as string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The running control plane recorded in `dir`, if all of its processes are still alive. */
export function runningControlPlane(dir: string): RunningControlPlane | undefined {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as RunningControlPlane;
  return Object.values(state.pids).every(alive) ? state : undefined;
}

function startProcess(dir: string, name: string, binary: string, args: string[]): ChildProcess {
  const log = openSync(join(dir, `${name}.log`), 'a');
  // Detached: `make cluster-up` returns while the control plane keeps running.
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  return child;
}

function get(server: string, path: string, certs: ClusterCerts): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      `${server}${path}`,
      {
        ca: readFileSync(certs.caCert),
        cert: readFileSync(certs.adminCert),
        key: readFileSync(certs.adminKey),
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  dir: string,
  log: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  const tail = existsSync(join(dir, log))
    ? readFileSync(join(dir, log), 'utf8').split('\n').slice(-20).join('\n')
    : '';
  throw new Error(`${what} did not become healthy in ${timeoutMs / 1000}s; last lines of ${log}:\n${tail}`);
}

function kubeconfigText(
  server: string,
  certs: ClusterCerts,
  client = { cert: certs.adminCert, key: certs.adminKey },
): string {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: apptrust-local
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(certs.caCert)}
users:
- name: apptrust-admin
  user:
    client-certificate-data: ${b64(client.cert)}
    client-key-data: ${b64(client.key)}
contexts:
- name: apptrust-local
  context: {cluster: apptrust-local, user: apptrust-admin}
current-context: apptrust-local
`;
}

export interface StartOptions {
  /** Runs after the API server is healthy and before the controller manager starts (install CRDs
   * here: the garbage collector discovers new resource types only every 30 s). */
  beforeControllers?: (kubeconfig: string) => Promise<void>;
  /** An audit policy (YAML): the API server then writes a JSON audit log to `<dir>/audit.log`. */
  auditPolicy?: string;
}

/** Starts etcd, kube-apiserver and kube-controller-manager with their state in `dir`. */
export async function startControlPlane(
  dir: string,
  options: StartOptions = {},
): Promise<RunningControlPlane> {
  await stopControlPlane(dir); // a crashed earlier run leaves its pid file behind
  try {
    return await startProcesses(dir, options);
  } catch (error) {
    await stopControlPlane(dir); // never leave half a control plane behind
    throw error;
  }
}

async function startProcesses(dir: string, options: StartOptions): Promise<RunningControlPlane> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const bin = controlPlaneBinaries();
  const certs = makeCerts(join(dir, 'certs'));
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigText(server, certs), { mode: 0o600 });
  const pids: Record<string, number> = {};
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const auditLog = options.auditPolicy ? join(dir, 'audit.log') : undefined;
  const apiserverCommand = {
    binary: join(bin, 'kube-apiserver'),
    args: apiserverArgs(dir, certs, etcdUrl, apiPort, options.auditPolicy),
  };
  const state = (): RunningControlPlane => ({
    dir,
    kubeconfig,
    server,
    pids,
    certs,
    etcdUrl,
    apiserverCommand,
    ...(auditLog ? { auditLog } : {}),
  });
  const record = () => writeFileSync(join(dir, STATE_FILE), JSON.stringify(state(), null, 2));

  const etcd = startProcess(dir, 'etcd', join(bin, 'etcd'), [
    `--data-dir=${join(dir, 'etcd-data')}`,
    `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ]);
  pids.etcd = etcd.pid as number;
  record();

  const apiserver = startProcess(dir, 'kube-apiserver', apiserverCommand.binary, apiserverCommand.args);
  pids.apiserver = apiserver.pid as number;
  record();
  await waitForApiServer(dir, server, certs);

  await options.beforeControllers?.(kubeconfig);

  const kcm = startProcess(dir, 'kube-controller-manager', join(bin, 'kube-controller-manager'), [
    `--kubeconfig=${kubeconfig}`,
    // clusterrole-aggregation fills the built-in admin/edit/view roles (tests act as a tenant).
    '--controllers=garbagecollector,namespace,clusterrole-aggregation',
    '--leader-elect=false',
    '--secure-port=0',
    '--concurrent-gc-syncs=5',
    '--v=1',
  ]);
  pids.controllerManager = kcm.pid as number;
  record();
  await new Promise((r) => setTimeout(r, 300));
  if (!alive(pids.controllerManager)) {
    const tail = readFileSync(join(dir, 'kube-controller-manager.log'), 'utf8')
      .split('\n')
      .slice(-20)
      .join('\n');
    throw new Error(`kube-controller-manager exited at start:\n${tail}`);
  }
  return state();
}

function apiserverArgs(
  dir: string,
  certs: ClusterCerts,
  etcdUrl: string,
  apiPort: number,
  auditPolicy: string | undefined,
): string[] {
  const audit: string[] = [];
  if (auditPolicy) {
    writeFileSync(join(dir, 'audit-policy.yaml'), auditPolicy);
    audit.push(
      `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
      `--audit-log-path=${join(dir, 'audit.log')}`,
      '--audit-log-format=json',
      // Written before the response goes out, so a test that got its answer finds the entry.
      '--audit-log-mode=blocking',
    );
  }
  return [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${certs.serverCert}`,
    `--tls-private-key-file=${certs.serverKey}`,
    `--client-ca-file=${certs.caCert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${certs.saPub}`,
    `--service-account-signing-key-file=${certs.saKey}`,
    '--authorization-mode=RBAC',
    '--disable-admission-plugins=ServiceAccount',
    // Owner references are checked the strict way (as on OpenShift): blockOwnerDeletion needs RBAC.
    '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
    '--service-cluster-ip-range=10.96.0.0/16',
    '--allow-privileged=true',
    '--v=1',
    ...audit,
  ];
}

function waitForApiServer(dir: string, server: string, certs: ClusterCerts): Promise<void> {
  return waitFor(
    'kube-apiserver',
    async () => (await get(server, '/readyz', certs)) === 200,
    60_000,
    dir,
    'kube-apiserver.log',
  );
}

/** The recorded state, also while kube-apiserver is stopped on purpose. */
function readState(dir: string): RunningControlPlane {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) throw new Error(`no control plane recorded in ${dir}`);
  return JSON.parse(readFileSync(file, 'utf8')) as RunningControlPlane;
}

async function terminate(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
}

/** Stops kube-apiserver (SIGTERM, as a rolling update does); etcd and its data stay. */
export async function stopApiServer(dir: string): Promise<void> {
  await terminate(readState(dir).pids.apiserver as number);
}

/**
 * Starts kube-apiserver again on the same port, certificates and etcd data, with `extraArgs` added
 * (a later flag wins over an earlier one), and waits until it is ready.
 */
export async function startApiServer(dir: string, extraArgs: string[] = []): Promise<void> {
  const state = readState(dir);
  if (state.pids.apiserver !== undefined && alive(state.pids.apiserver))
    throw new Error('kube-apiserver is still running: stop it first');
  const child = startProcess(dir, 'kube-apiserver', state.apiserverCommand.binary, [
    ...state.apiserverCommand.args,
    ...extraArgs,
  ]);
  state.pids.apiserver = child.pid as number;
  writeFileSync(join(dir, STATE_FILE), JSON.stringify(state, null, 2));
  await waitForApiServer(dir, state.server, state.certs);
}

async function etcdCall<T>(etcdUrl: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * Compacts etcd at its current revision (through its v3 HTTP/JSON gateway): afterwards a watch
 * from any older resourceVersion that reaches etcd gets 410 Gone. Returns the revision.
 */
export async function compactEtcd(dir: string): Promise<number> {
  const { etcdUrl } = readState(dir);
  const range = await etcdCall<{ header: { revision: string } }>(etcdUrl, '/v3/kv/range', {
    key: Buffer.from('/').toString('base64'),
    limit: 1,
  });
  const revision = Number(range.header.revision);
  await etcdCall(etcdUrl, '/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}

/** A kubeconfig for a client certificate of `user` in `groups` (its own identity in the audit log). */
export function userKubeconfig(dir: string, user: string, groups: string[]): string {
  const state = readState(dir);
  const client = makeClientCert(join(dir, 'certs'), state.certs, user, groups);
  const path = join(dir, `kubeconfig-${user}`);
  writeFileSync(path, kubeconfigText(state.server, state.certs, client), { mode: 0o600 });
  return path;
}

/** Stops whatever the state file in `dir` records; safe to call when nothing runs. */
export async function stopControlPlane(dir: string): Promise<string[]> {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return [];
  const { pids } = JSON.parse(readFileSync(file, 'utf8')) as { pids: Record<string, number> };
  // Controllers first, etcd last, so nothing logs storage errors on the way down.
  const order = ['controllerManager', 'apiserver', 'etcd'].filter((n) => pids[n] !== undefined);
  const stopped: string[] = [];
  for (const name of order) {
    const pid = pids[name] as number;
    if (!alive(pid)) continue;
    await terminate(pid);
    stopped.push(name);
  }
  rmSync(file, { force: true });
  return stopped;
}
