// The probe programs, run here as they run in the pods (node -e, arguments after).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AGENT_PROGRAM, CLIENT_PROGRAM, SERVER_PROGRAM } from '../../helpers/probe-programs.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
const client = (...args: string[]) =>
  spawnSync(process.execPath, ['-e', CLIENT_PROGRAM, '127.0.0.1', ...args], { timeout: 10_000 }).status;

let server: ChildProcess | undefined;
afterEach(() => server?.kill('SIGKILL'));

it('the server answers on every port it was given and survives clients that hang up at once', async () => {
  const [a, b, closed] = [await freePort(), await freePort(), await freePort()];
  server = spawn(process.execPath, ['-e', SERVER_PROGRAM, String(a), `${b}/TCP`], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  expect(client(String(a))).toBe(0);
  expect(client(String(a))).toBe(0); // still up after the first client reset the connection
  expect(client(String(b))).toBe(0);
  expect(client(String(closed))).toBe(2); // refused, not a timeout
  expect(server.exitCode).toBeNull();
});

it('the server answers UDP datagrams, so a UDP probe observes a reply', async () => {
  const [udp, silent] = [await freePort(), await freePort()];
  server = spawn(process.execPath, ['-e', SERVER_PROGRAM, `${udp}/UDP`], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  expect(client(String(udp), 'UDP', '2000')).toBe(0);
  expect(client(String(udp), 'TCP', '2000')).not.toBe(0);
  expect(client(String(silent), 'UDP', '300')).not.toBe(0);
});

it('the server stays up with no port to serve (a client-only pod)', async () => {
  server = spawn(process.execPath, ['-e', SERVER_PROGRAM], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  expect(server.exitCode).toBeNull();
});

it('the agent serves, listens on request and probes over its control socket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-test-'));
  const socket = join(dir, 'agent.sock');
  const [tcp, udp, later] = [await freePort(), await freePort(), await freePort()];
  server = spawn(process.execPath, ['-e', AGENT_PROGRAM, socket, String(tcp), `${udp}/UDP`], {
    stdio: 'ignore',
  });
  try {
    while (!existsSync(socket)) await new Promise((r) => setTimeout(r, 20));
    const conn = connect(socket);
    const replies = new Map<number, Record<string, unknown>>();
    createInterface({ input: conn }).on('line', (l) => {
      const r = JSON.parse(l) as Record<string, unknown>;
      replies.set(r.id as number, r);
    });
    const send = (r: object) => conn.write(`${JSON.stringify(r)}\n`);
    send({ id: 1, op: 'probe', host: '127.0.0.1', port: tcp, protocol: 'TCP', timeoutMs: 1000 });
    send({ id: 2, op: 'probe', host: '127.0.0.1', port: udp, protocol: 'UDP', timeoutMs: 1000 });
    send({ id: 3, op: 'probe', host: '127.0.0.1', port: later, protocol: 'TCP', timeoutMs: 1000 });
    while (replies.size < 3) await new Promise((r) => setTimeout(r, 20));
    send({ id: 4, op: 'listen', ports: [String(later)] });
    while (!replies.has(4)) await new Promise((r) => setTimeout(r, 20));
    send({ id: 5, op: 'probe', host: '127.0.0.1', port: later, protocol: 'TCP', timeoutMs: 1000 });
    while (!replies.has(5)) await new Promise((r) => setTimeout(r, 20));
    send({ id: 6, op: 'received' });
    while (!replies.has(6)) await new Promise((r) => setTimeout(r, 20));
    conn.destroy();
    // What reached its servers, by source: two TCP connections (ids 1 and 5), one datagram (id 2).
    expect(replies.get(6)?.received).toEqual({ '127.0.0.1': { tcp: 2, udp: 1 } });
    expect([1, 2, 3, 4, 5].map((id) => replies.get(id)?.outcome ?? replies.get(id)?.ok)).toEqual([
      'connected',
      'connected',
      'ECONNREFUSED',
      true,
      'connected',
    ]);
    expect(replies.get(1)?.startedAt).toEqual(expect.any(Number));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
