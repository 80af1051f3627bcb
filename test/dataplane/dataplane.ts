// The dataplane: kind's NetworkPolicy enforcer judging real connections between network-namespace
// "pods" that are registered in the local API server as Pods of one Node. See README "Dataplane tier".
//
// One run = one state directory. `Dataplane.create` makes the node (namespace, API bridge, Node
// object, enforcer, cluster DNS pod); `Dataplane.attach` lets another process (a test file) add pods
// and probe; `destroyDataplane` (teardown.ts) removes everything, also after a killed run.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from '../../src/kube/errors.js';
import { KubeRest } from '../../src/kube/rest.js';
import { DOCUMENTATION_RANGES } from '../helpers/traffic-plan.js';
import {
  AgentClient,
  type ProbeOutcome,
  type Protocol,
  type Received,
  type ServedPort,
  startAgent,
  waitForAgent,
} from './agent.js';
import { enforcerTable, startEnforcer, waitForEnforcer } from './enforcer.js';
import { hostHasIpv6 } from './host.js';
import { createHostNamespace, createNodeNamespace, deleteNamespace } from './network.js';
import {
  type DataplaneState,
  type ExternalRecord,
  type HostRecord,
  ipv4Of,
  ipv6Of,
  nextHostNumber,
  type PodRecord,
  readState,
  runIdentity,
  writeState,
} from './state.js';
import { destroyDataplane } from './teardown.js';

/** Port of the API server inside the node namespace (a socat bridge to the real one). */
const NODE_API_PORT = 6443;

export const CLUSTER_DNS = {
  namespace: 'kube-system',
  name: 'coredns',
  labels: { 'k8s-app': 'kube-dns' },
  ports: [
    { port: 53, protocol: 'UDP', name: 'dns' },
    { port: 53, protocol: 'TCP', name: 'dns-tcp' },
  ] as ServedPort[],
};

export interface PodSpec {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  /** Ports the pod serves; named ones become named container ports. */
  ports?: ServedPort[];
}

export interface PodHandle extends PodRecord {
  kind: 'pod';
}

export interface ExternalHandle extends ExternalRecord {
  kind: 'external';
}

export type Host = PodHandle | ExternalHandle;

export interface PodTimeline {
  /** Epoch ms: the Pod object exists (the enforcer sees it, without an IP yet). */
  created: number;
  /** Epoch ms: the API server answered the Pod's creation (admitted). */
  admitted: number;
  /** The Pod's resourceVersion at creation: orders its creation against other writes (etcd revisions). */
  createdResourceVersion: string;
  /** Epoch ms: the pod's network works and its agent serves and probes (what a CNI gives a sandbox). */
  networkUp: number;
  /** Epoch ms: status.podIPs is stored: from here on the enforcer judges the pod's traffic. */
  ipPublished: number;
}

export interface AddPodOptions {
  /**
   * Called once the pod's network works (its agent serves and probes), before its IPs are published
   * unless `publishIpFirst`: start continuous probes here to observe the pod from its very first
   * packet (issue 10).
   */
  onNetworkUp?: (pod: PodHandle) => void | Promise<void>;
  /**
   * Publish status.podIPs before the network exists, as the enforcer's NRI hook would learn the IP
   * from the runtime (upstream issue 85966). Default: a kubelet's order, network first; the enforcer
   * cannot judge a pod's packets until its IPs are published, so that order has a window of its own.
   */
  publishIpFirst?: boolean;
}

export interface ProbeResult extends ProbeOutcome {
  connected: boolean;
}

function kubeRest(kubeconfig: string): KubeRest {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return new KubeRest(kc);
}

export class Dataplane {
  readonly rest: KubeRest;
  private readonly agents = new Map<string, AgentClient>();
  private readonly timelines = new Map<string, PodTimeline>();
  readonly ipv6: boolean;

  private constructor(private state: DataplaneState) {
    this.rest = kubeRest(state.kubeconfig);
    this.ipv6 = hostHasIpv6();
  }

  get nodeName(): string {
    return this.state.nodeName;
  }

  get nodeNetns(): string {
    return this.state.nodeNetns;
  }

  get stateDir(): string {
    return this.state.stateDir;
  }

  /**
   * Builds the node for a control plane: the node namespace, the API bridge into it, the Node
   * object, the enforcer (waited for until its table queues packets) and the cluster DNS pod.
   * Anything an earlier run of the same state directory left behind is removed first.
   */
  static async create(options: {
    stateDir: string;
    /** Admin kubeconfig of the control plane (server on the host's loopback). */
    kubeconfig: string;
    enforcerBinary: string;
  }): Promise<Dataplane> {
    const { stateDir } = options;
    await destroyDataplane(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(stateDir, { recursive: true });
    const identity = runIdentity(stateDir);
    mkdirSync(identity.socketDir, { recursive: true });
    const state: DataplaneState = {
      id: identity.id,
      stateDir,
      socketDir: identity.socketDir,
      nodeNetns: `${identity.prefix}node`,
      nodeName: `apptrust-dataplane-${identity.id}`,
      block: identity.block,
      nextHost: 1,
      kubeconfig: options.kubeconfig,
      pids: {},
      pods: {},
      externals: {},
    };
    writeState(state);
    const dataplane = new Dataplane(state);
    try {
      await dataplane.startNode(options.enforcerBinary, options.kubeconfig);
      await dataplane.addPod(CLUSTER_DNS);
    } catch (error) {
      dataplane.close();
      await destroyDataplane(stateDir);
      throw error;
    }
    return dataplane;
  }

  /** The dataplane of a state directory, made by `create` in this or another process. */
  static attach(stateDir: string): Dataplane {
    const state = readState(stateDir);
    if (!state) throw new Error(`no dataplane in ${stateDir} (run its global setup or make demo)`);
    return new Dataplane(state);
  }

  private save(): void {
    writeState(this.state);
  }

  /** Re-reads the state file: another process may have added pods since this one attached. */
  private reload(): void {
    const fresh = readState(this.state.stateDir);
    if (fresh) this.state = fresh;
  }

  /**
   * The API server listens on the host's loopback; the node namespace reaches it on its own
   * 127.0.0.1:6443 through a unix socket (unix sockets cross network namespaces), socat on each side.
   */
  private startApiBridge(kubeconfig: string): void {
    const { nodeNetns, stateDir, socketDir } = this.state;
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const api = new URL(kc.getCurrentCluster()?.server ?? '');
    const bridgeSocket = join(socketDir, 'apiserver.sock');
    const log = openSync(join(stateDir, 'api-bridge.log'), 'a');
    const onHost = spawn(
      'socat',
      [`UNIX-LISTEN:${bridgeSocket},fork,unlink-early`, `TCP:${api.hostname}:${api.port}`],
      { detached: true, stdio: ['ignore', log, log] },
    );
    onHost.unref();
    this.state.pids['api-bridge'] = onHost.pid as number;
    const inNode = spawn(
      'ip',
      [
        'netns',
        'exec',
        nodeNetns,
        'socat',
        `TCP-LISTEN:${NODE_API_PORT},bind=127.0.0.1,fork,reuseaddr`,
        `UNIX-CONNECT:${bridgeSocket}`,
      ],
      { detached: true, stdio: ['ignore', log, log] },
    );
    inNode.unref();
    this.state.pids['api-bridge-node'] = inNode.pid as number;
    this.save();
    writeFileSync(
      join(stateDir, 'enforcer.kubeconfig'),
      readFileSync(kubeconfig, 'utf8').replace(
        /server: https:\/\/[^\s]+/,
        `server: https://127.0.0.1:${NODE_API_PORT}`,
      ),
      { mode: 0o600 },
    );
  }

  private async startNode(enforcerBinaryPath: string, kubeconfig: string): Promise<void> {
    const { nodeNetns, stateDir, nodeName } = this.state;
    await createNodeNamespace(nodeNetns);
    this.startApiBridge(kubeconfig);
    await this.rest.apply(
      `/api/v1/nodes/${nodeName}`,
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } },
      },
      'apptrust-dataplane',
    );
    const log = join(stateDir, 'enforcer.log');
    const pid = startEnforcer({
      binary: enforcerBinaryPath,
      netns: nodeNetns,
      nodeName,
      kubeconfig: join(stateDir, 'enforcer.kubeconfig'),
      log,
    });
    this.state.pids.enforcer = pid;
    this.save();
    await waitForEnforcer(pid, nodeNetns, log);
  }

  /** Records a long-lived process of the run (the demo's operator) for teardown. */
  recordProcess(role: string, pid: number): void {
    this.reload();
    this.state.pids[role] = pid;
    this.save();
  }

  /** The enforcer's nft table as `nft list` prints it (tests assert that it queues packets). */
  enforcerTable(): Promise<string | undefined> {
    return enforcerTable(this.state.nodeNetns);
  }

  private allocate(): { n: number; ipv4: string; ipv6?: string } {
    this.reload();
    const n = nextHostNumber(this.state.nextHost);
    this.state.nextHost = n;
    this.save();
    return {
      n,
      ipv4: ipv4Of(this.state.block, n),
      ...(this.ipv6 ? { ipv6: ipv6Of(this.state.block, n) } : {}),
    };
  }

  private async createHost(
    n: number,
    netnsSuffix: string,
    ipv4: string,
    ipv6: string | undefined,
    ports: ServedPort[],
  ): Promise<HostRecord> {
    const { socketDir, stateDir, nodeNetns, block } = this.state;
    const netns = `${runIdentity(stateDir).prefix}${netnsSuffix}`;
    const socket = join(socketDir, `${netnsSuffix}.sock`);
    await createHostNamespace({
      nodeNetns,
      netns,
      nodeIf: `h${n}`,
      gateway: ipv4Of(block, 1),
      ipv4,
      ...(ipv6 ? { ipv6 } : {}),
    });
    const child = startAgent(netns, socket, ports, join(stateDir, `agent-${netnsSuffix}.log`));
    await waitForAgent(socket, child);
    return { netns, ipv4, ...(ipv6 ? { ipv6 } : {}), socket, agentPid: child.pid as number };
  }

  /**
   * A pod: the Pod object (bound to this node, with named container ports), then its network
   * namespace and agent, then its IPs published through the status subresource, the way a kubelet
   * reports a sandbox. Returns when the enforcer can judge it (the caller waits for policies).
   */
  async addPod(spec: PodSpec, options: AddPodOptions = {}): Promise<PodHandle> {
    const ports = spec.ports ?? [];
    const created = Date.now();
    const stored = await this.rest.request<{ metadata: { resourceVersion: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${spec.namespace}/pods`,
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels ?? {} },
        spec: {
          nodeName: this.state.nodeName,
          // No kubelet finalizes a deletion here: a zero grace period deletes at once.
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: 'agent',
              image: 'apptrust.dev/dataplane-agent:none',
              ports: ports.map((p) => ({
                containerPort: p.port,
                protocol: p.protocol ?? 'TCP',
                ...(p.name ? { name: p.name } : {}),
              })),
            },
          ],
        },
      },
    });
    const admitted = Date.now();
    const { n, ipv4, ipv6 } = this.allocate();
    const publish = async () => {
      const ips = [ipv4, ...(ipv6 ? [ipv6] : [])];
      await this.rest.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${spec.namespace}/pods/${spec.name}/status`,
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            phase: 'Running',
            podIP: ipv4,
            podIPs: ips.map((ip) => ({ ip })),
            conditions: [{ type: 'Ready', status: 'True' }],
          },
        },
      });
      return Date.now();
    };
    const publishedFirst = options.publishIpFirst ? await publish() : undefined;
    const host = await this.createHost(n, String(n), ipv4, ipv6, ports);
    const pod: PodHandle = { kind: 'pod', namespace: spec.namespace, name: spec.name, ...host };
    this.reload();
    this.state.pods[`${spec.namespace}/${spec.name}`] = pod;
    this.save();
    const networkUp = Date.now();
    await options.onNetworkUp?.(pod);
    const ipPublished = publishedFirst ?? (await publish());
    this.timelines.set(`${spec.namespace}/${spec.name}`, {
      created,
      admitted,
      createdResourceVersion: stored.metadata.resourceVersion,
      networkUp,
      ipPublished,
    });
    return pod;
  }

  /** When the pod was created, got its network, and had its IPs published (pods added by this process). */
  timeline(pod: { namespace: string; name: string }): PodTimeline | undefined {
    return this.timelines.get(`${pod.namespace}/${pod.name}`);
  }

  /** A pod added by any process of this run. */
  pod(namespace: string, name: string): PodHandle {
    this.reload();
    const record = this.state.pods[`${namespace}/${name}`];
    if (!record) throw new Error(`dataplane: no pod ${namespace}/${name}`);
    return { ...record, kind: 'pod' };
  }

  /** Removes a pod: its Pod object (at once), its agent and its namespace. */
  async removePod(pod: { namespace: string; name: string }): Promise<void> {
    this.reload();
    const key = `${pod.namespace}/${pod.name}`;
    const record = this.state.pods[key];
    await this.rest
      .request({
        method: 'DELETE',
        path: `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`,
        body: { gracePeriodSeconds: 0 },
      })
      .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    if (!record) return;
    this.agents.get(record.socket)?.close();
    this.agents.delete(record.socket);
    await deleteNamespace(record.netns);
    rmSync(record.socket, { force: true });
    delete this.state.pods[key];
    this.save();
  }

  /** A host outside the cluster, only in documentation ranges, in a namespace of its own. */
  async addExternal(spec: { name: string; ip: string; ports?: ServedPort[] }): Promise<ExternalHandle> {
    if (!DOCUMENTATION_RANGES.some((r) => r.test(spec.ip)))
      throw new Error(`dataplane: external ${spec.ip} is not in a documentation range`);
    this.reload();
    const existing = this.state.externals[spec.ip];
    if (existing) {
      await this.agent(existing.socket).listen(spec.ports ?? []);
      return { ...existing, kind: 'external' };
    }
    const { n } = this.allocate();
    const v6 = spec.ip.includes(':');
    // An external host has one address; the link itself needs the IPv4 side for its gateway.
    const host = await this.createHost(
      n,
      `x${n}`,
      v6 ? ipv4Of(this.state.block, n) : spec.ip,
      v6 ? spec.ip : undefined,
      spec.ports ?? [],
    );
    const external: ExternalHandle = { kind: 'external', name: spec.name, ...host };
    this.reload();
    this.state.externals[spec.ip] = external;
    this.save();
    return external;
  }

  private agent(socket: string): AgentClient {
    let client = this.agents.get(socket);
    if (!client) {
      client = new AgentClient(socket);
      this.agents.set(socket, client);
    }
    return client;
  }

  /** What reached a host's servers, by source address (TCP connections accepted, UDP datagrams). */
  received(host: HostRecord): Promise<Received> {
    return this.agent(host.socket).received();
  }

  /** Makes a host serve more ports (its agent listens at once). */
  serve(host: HostRecord, ports: ServedPort[]): Promise<void> {
    return this.agent(host.socket).listen(ports);
  }

  /**
   * One fresh connection from `from` (inside its namespace, as a pod's own traffic) to `ip`:
   * connected when TCP is established or a UDP datagram is answered within `timeoutMs`.
   */
  async probe(
    from: HostRecord,
    ip: string,
    port: number,
    protocol: Protocol = 'TCP',
    timeoutMs = 600,
  ): Promise<ProbeResult> {
    const outcome = await this.agent(from.socket).probe(ip, port, protocol, timeoutMs);
    return { ...outcome, connected: outcome.outcome === 'connected' };
  }

  /** Closes control connections (processes and namespaces stay: see destroyDataplane). */
  close(): void {
    for (const client of this.agents.values()) client.close();
    this.agents.clear();
    this.rest.close();
  }
}
