// A pod's agent: one node process inside the pod's network namespace that serves its ports and runs
// probes on request (AGENT_PROGRAM). The test talks to it over a unix socket, which crosses network
// namespaces, so any process of the run (a test file, the demo) can ask any pod to probe.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { AGENT_PROGRAM } from '../helpers/probe-programs.js';

export type Protocol = 'TCP' | 'UDP';

export interface ServedPort {
  port: number;
  protocol?: Protocol;
  /** A container port name (named NetworkPolicy ports resolve against it). */
  name?: string;
}

export const portSpec = (p: ServedPort) => `${p.port}/${p.protocol ?? 'TCP'}`;

export interface ProbeOutcome {
  /** "connected" (TCP established, UDP answered), "timeout" (dropped), or an errno (rejected). */
  outcome: string;
  /** Epoch milliseconds (fractional) when the connection attempt started, by the agent's clock. */
  startedAt: number;
  ms: number;
}

export type Received = Record<string, { tcp: number; udp: number }>;

/** Starts an agent in `netns`, detached (it outlives the test process; teardown finds it by netns). */
export function startAgent(netns: string, socket: string, ports: ServedPort[], log: string): ChildProcess {
  const out = openSync(log, 'a');
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      netns,
      process.execPath,
      // Small heaps: there is one agent per pod.
      '--max-old-space-size=32',
      '-e',
      AGENT_PROGRAM,
      socket,
      ...ports.map(portSpec),
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  return child;
}

/** Can a connection to the unix socket be made (the file exists between bind and listen too)? */
const accepts = (socket: string) =>
  new Promise<boolean>((resolve) => {
    const conn = connect(socket);
    conn.once('connect', () => {
      conn.destroy();
      resolve(true);
    });
    conn.once('error', () => resolve(false));
  });

/** Waits until the agent accepts connections on its control socket (a probe may follow at once). */
export async function waitForAgent(socket: string, child: ChildProcess | undefined, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(socket) && (await accepts(socket)))) {
    if (child && child.exitCode !== null)
      throw new Error(`agent for ${socket} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`agent for ${socket} did not start in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One kept-open control connection to an agent; requests carry ids, so probes run concurrently. */
export class AgentClient {
  private socket: Socket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Record<string, unknown>) => void>();

  constructor(private readonly path: string) {}

  private connection(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = connect(this.path);
    socket.unref(); // an idle control connection never keeps a test process alive
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error(`agent ${this.path}: connection closed`)));
    // readline re-emits its input's errors: without this listener a refused connection would be
    // an uncaught exception rather than a failed call.
    const lines = createInterface({ input: socket });
    lines.on('error', () => undefined);
    lines.on('line', (line) => {
      const reply = JSON.parse(line) as Record<string, unknown>;
      const resolve = this.pending.get(reply.id as number);
      this.pending.delete(reply.id as number);
      resolve?.(reply);
    });
    this.socket = socket;
    return socket;
  }

  private failAll(error: Error): void {
    for (const resolve of this.pending.values()) resolve({ error: error.message });
    this.pending.clear();
    this.socket = undefined;
  }

  private call(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.connection().ref();
      this.connection().write(`${JSON.stringify({ ...request, id })}\n`);
    }).then((reply) => {
      if (this.pending.size === 0) this.socket?.unref();
      return reply as Record<string, unknown>;
    });
  }

  async probe(host: string, port: number, protocol: Protocol, timeoutMs: number): Promise<ProbeOutcome> {
    const reply = await this.call({ op: 'probe', host, port, protocol, timeoutMs });
    if (reply.error) throw new Error(String(reply.error));
    return reply as unknown as ProbeOutcome;
  }

  async listen(ports: ServedPort[]): Promise<void> {
    const reply = await this.call({ op: 'listen', ports: ports.map(portSpec) });
    if (!reply.ok) throw new Error(`agent ${this.path}: listen ${ports.map(portSpec)}: ${reply.error}`);
  }

  /** What reached this agent's servers, by source address: TCP connections accepted, UDP datagrams. */
  async received(): Promise<Received> {
    const reply = await this.call({ op: 'received' });
    if (reply.error) throw new Error(String(reply.error));
    return reply.received as Received;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}
