// The local control plane: etcd, kube-apiserver and kube-controller-manager as plain processes on
// loopback, the way controller-runtime's envtest runs them. No Docker, no root.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type ClusterCerts, makeCerts } from './certs.js';
import { REPO_ROOT } from './repo.js';

export interface RunningControlPlane {
  dir: string;
  kubeconfig: string;
  server: string;
  pids: Record<string, number>;
  certs: ClusterCerts;
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

function kubeconfigText(server: string, certs: ClusterCerts): string {
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
    client-certificate-data: ${b64(certs.adminCert)}
    client-key-data: ${b64(certs.adminKey)}
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
  const record = () =>
    writeFileSync(join(dir, STATE_FILE), JSON.stringify({ dir, kubeconfig, server, pids, certs }, null, 2));

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

  const apiserver = startProcess(dir, 'kube-apiserver', join(bin, 'kube-apiserver'), [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
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
  ]);
  pids.apiserver = apiserver.pid as number;
  record();
  await waitFor(
    'kube-apiserver',
    async () => (await get(server, '/readyz', certs)) === 200,
    60_000,
    dir,
    'kube-apiserver.log',
  );

  await options.beforeControllers?.(kubeconfig);

  const kcm = startProcess(dir, 'kube-controller-manager', join(bin, 'kube-controller-manager'), [
    `--kubeconfig=${kubeconfig}`,
    '--controllers=garbagecollector,namespace',
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
  return { dir, kubeconfig, server, pids, certs };
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
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    stopped.push(name);
  }
  rmSync(file, { force: true });
  return stopped;
}
