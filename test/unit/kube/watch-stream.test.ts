// One watch request over a real local HTTP server: events parsed per line across chunk boundaries,
// and the inactivity timeout, which every chunk re-arms, firing only once the stream goes quiet.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeAccess } from '../../../src/kube/kube-access.js';
import { watchStream } from '../../../src/kube/watch-stream.js';

let server: Server;
let respond: (res: ServerResponse) => void;
let access: KubeAccess;

beforeAll(async () => {
  server = createServer((_req, res) => respond(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  access = {
    getCurrentCluster: () => ({ server: `http://127.0.0.1:${port}` }),
    applyToHTTPSOptions: async () => {},
  };
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const event = (name: string) => `${JSON.stringify({ type: 'ADDED', object: { metadata: { name } } })}\n`;

it('parses events split across chunks, and times out only after the stream has gone quiet', async () => {
  const names: string[] = [];
  const started = performance.now();
  respond = (res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const lines = [event('a'), event('b'), event('c'), event('d'), event('e')].join('');
    // A chunk every 60 ms, each cut mid-line, for longer than the 150 ms inactivity timeout.
    const cuts = [0, 10, 45, 70, 100, lines.length];
    cuts.slice(1).forEach((end, i) => {
      setTimeout(() => res.write(lines.slice(cuts[i], end)), i * 60);
    });
  };
  const ended = new Promise<unknown>((resolve) => {
    void watchStream(
      access,
      '/api/v1/namespaces',
      {},
      (_type, object: { metadata: { name: string } }) => names.push(object.metadata.name),
      resolve,
      150,
    );
  });
  const error = (await ended) as Error;
  expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
  expect(error.name).toBe('TimeoutError');
  // The last chunk left at ~240 ms: a timer armed once and never re-armed would have fired at 150.
  expect(performance.now() - started).toBeGreaterThanOrEqual(240 + 150 - 20);
});
