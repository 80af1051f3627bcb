// The end-to-end probe programs, run here as they run in the pods (node -e, arguments after).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { CLIENT_PROGRAM, SERVER_PROGRAM } from '../../helpers/probe-programs.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
const connect = (port: number) =>
  spawnSync(process.execPath, ['-e', CLIENT_PROGRAM, '127.0.0.1', String(port)], { timeout: 10_000 }).status;

let server: ChildProcess | undefined;
afterEach(() => server?.kill('SIGKILL'));

it('the server answers on every port it was given and survives clients that hang up at once', async () => {
  const [a, b, closed] = [await freePort(), await freePort(), await freePort()];
  server = spawn(process.execPath, ['-e', SERVER_PROGRAM, String(a), String(b)], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  expect(connect(a)).toBe(0);
  expect(connect(a)).toBe(0); // still up after the first client reset the connection
  expect(connect(b)).toBe(0);
  expect(connect(closed)).not.toBe(0);
  expect(server.exitCode).toBeNull();
});

it('the server stays up with no port to serve (a client-only pod)', async () => {
  server = spawn(process.execPath, ['-e', SERVER_PROGRAM], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  expect(server.exitCode).toBeNull();
});
