// The fault-injection rig: a local control plane with an audit log, operator processes that each
// authenticate as their own user (so the API server's audit log attributes every request), and the
// measurements the suite reports (server-side write and LIST counts, time to converge).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../../src/kube/rest.js';
import { startControlPlane, stopControlPlane, userKubeconfig } from '../cluster/controlplane.js';
import { installProjectCrds } from '../cluster/crds.js';
import { type OperatorProcess, ROOT, startOperatorProcess } from '../helpers/process.js';

/** The group every operator process of the suite is in; the audit policy records only its requests. */
export const OPERATOR_GROUP = 'apptrust:faults-operator';

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    userGroups: ["${OPERATOR_GROUP}"]
  - level: None
`;

export interface FaultsCluster {
  dir: string;
  auditLog: string;
  kubeconfig: string;
  rest: KubeRest;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `promise`'s value, or 'timeout' after `ms` (the timer does not outlive the answer). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A control plane of its own for one test file (a fault must not disturb another file's cluster). */
export async function startFaultsCluster(name: string): Promise<FaultsCluster> {
  const dir = join(ROOT, '.cache', `faults-${name}`);
  const started = Date.now();
  const cp = await startControlPlane(dir, {
    beforeControllers: installProjectCrds,
    auditPolicy: AUDIT_POLICY,
  });
  process.stderr.write(
    `faults(${name}): control plane at ${cp.server} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfig);
  return { dir, auditLog: cp.auditLog as string, kubeconfig: cp.kubeconfig, rest: new KubeRest(kc) };
}

export async function stopFaultsCluster(cluster: FaultsCluster | undefined): Promise<void> {
  if (!cluster) return;
  cluster.rest.close();
  await stopControlPlane(cluster.dir);
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Replica extends OperatorProcess {
  user: string;
  metricsPort: number;
  /** The identity the process logged at start (its Lease holderIdentity). */
  identity: () => string | undefined;
  leads: () => boolean;
  /** Log lines at level warn (40) or above. */
  warnings: () => string[];
  /** Writes the process output under test-results/faults-logs/ (evidence for a report). */
  saveLog: () => void;
}

const LOG_DIR = join(ROOT, 'test-results', 'faults-logs');
const kubeconfigs = new Map<string, string>();

/** Starts `node dist/main.js` as user `user` (its own client certificate) with `args`. */
export async function startReplica(cluster: FaultsCluster, user: string, args: string[]): Promise<Replica> {
  const kubeconfig =
    kubeconfigs.get(user) ?? userKubeconfig(cluster.dir, user, ['system:masters', OPERATOR_GROUP]);
  kubeconfigs.set(user, kubeconfig);
  const metricsPort = await freePort();
  const proc = startOperatorProcess(
    [
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      '--metrics-secure=false',
      '--health-probe-bind-address=0',
      '--log-level=info',
      ...args,
    ],
    { KUBECONFIG: kubeconfig },
  );
  const lines = () => proc.output().split('\n').filter(Boolean);
  const parsed = () =>
    lines().map((l) => {
      try {
        return JSON.parse(l) as { level?: number; msg?: string; identity?: string };
      } catch {
        return { level: 50, msg: l }; // anything that is not a log record is worth a look
      }
    });
  return {
    ...proc,
    user,
    metricsPort,
    identity: () => parsed().find((l) => l.msg?.startsWith('starting apptrust-operator'))?.identity,
    leads: () => parsed().some((l) => l.msg === 'became leader'),
    warnings: () => lines().filter((_, i) => (parsed()[i]?.level ?? 0) >= 40),
    saveLog: () => {
      mkdirSync(LOG_DIR, { recursive: true });
      writeFileSync(join(LOG_DIR, `${user}-${proc.child.pid}.log`), proc.output());
    },
  };
}

/** Stops a replica with SIGTERM (graceful: it releases the lease) and waits for it to exit. */
export async function stopReplica(replica: Replica): Promise<number | null> {
  if (replica.child.exitCode === null && replica.child.signalCode === null) replica.child.kill('SIGTERM');
  const code = await within(replica.exited, 15_000);
  if (code === 'timeout') {
    replica.child.kill('SIGKILL');
    return replica.exited;
  }
  return code;
}

/**
 * Keeps one replica running as the kubelet would: when it exits (lost leadership, a crash), a new
 * one starts after `restartDelayMs`. Every incarnation authenticates as `user`.
 */
export class Supervisor {
  private stopping = false;
  private replica: Replica | undefined;
  readonly incarnations: Replica[] = [];

  constructor(
    private readonly cluster: FaultsCluster,
    private readonly user: string,
    private readonly args: string[],
    private readonly restartDelayMs = 1000,
  ) {}

  async start(): Promise<Replica> {
    const replica = await startReplica(this.cluster, this.user, this.args);
    this.replica = replica;
    this.incarnations.push(replica);
    void replica.exited.then(async () => {
      if (this.stopping) return;
      await sleep(this.restartDelayMs);
      if (!this.stopping) await this.start();
    });
    return replica;
  }

  get current(): Replica | undefined {
    return this.replica;
  }

  get restarts(): number {
    return this.incarnations.length - 1;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.replica) await stopReplica(this.replica);
    for (const r of this.incarnations) r.saveLog();
  }
}

/** Sum of a Prometheus counter or gauge over the series whose labels include `labels`. */
export async function metric(
  replica: Replica,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${replica.metricsPort}/metrics`);
  const text = await res.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

// ---- the audit log --------------------------------------------------------------------------

export interface AuditEvent {
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  userAgent?: string;
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/** Every complete entry of the audit log (a line being written is skipped). */
export function auditEvents(cluster: FaultsCluster): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (const line of readFileSync(cluster.auditLog, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      events.push(JSON.parse(line) as AuditEvent);
    } catch {
      // the last line may be half written
    }
  }
  return events;
}

export const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
export const receivedAt = (e: AuditEvent) => Date.parse(e.requestReceivedTimestamp);
const succeeded = (e: AuditEvent) =>
  (e.responseStatus?.code ?? 0) >= 200 && (e.responseStatus?.code ?? 0) < 300;

export interface Window {
  users: readonly string[];
  from?: number;
  to?: number;
}

function inWindow(e: AuditEvent, w: Window): boolean {
  const t = receivedAt(e);
  return w.users.includes(e.user.username) && t >= (w.from ?? 0) && t <= (w.to ?? Number.POSITIVE_INFINITY);
}

/** Successful writes by resource ("networkpolicies", "apptrustprofiles/status", "events", "leases"). */
export function writesBy(events: AuditEvent[], w: Window): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    if (e.stage !== 'ResponseComplete' || !WRITE_VERBS.has(e.verb) || !succeeded(e) || !inWindow(e, w))
      continue;
    const resource = `${e.objectRef?.resource ?? '?'}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`;
    counts[resource] = (counts[resource] ?? 0) + 1;
  }
  return counts;
}

/** Writes of the objects the operator owns or reports on: everything but its Lease. */
export const workWrites = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([resource]) => resource !== 'leases')
    .reduce((sum, [, n]) => sum + n, 0);

/** LIST requests (not watches) in the window. */
export function listsBy(events: AuditEvent[], w: Window): AuditEvent[] {
  return events.filter((e) => e.stage === 'ResponseComplete' && e.verb === 'list' && inWindow(e, w));
}

// ---- results --------------------------------------------------------------------------------

const RESULTS = join(ROOT, 'test-results', 'faults.json');

/** Prints one fault's numbers and merges them into test-results/faults.json. */
export function report(fault: string, numbers: Record<string, unknown>): void {
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>;
  } catch {
    // first fault of the run
  }
  all[fault] = { ...numbers, date: new Date().toISOString() };
  writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
  process.stderr.write(`\nfault ${fault}: ${JSON.stringify(numbers)}\n`);
}
