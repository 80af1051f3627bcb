// /healthz, /readyz and /metrics.
import { createServer, type Server } from 'node:http';
import { parseAddress } from '../bind-address.js';
import type { Operator } from './operator.js';

export { type ListenAddress, parseAddress } from '../bind-address.js';

export type Routes = Record<string, () => Promise<[number, string, string]>>;

/** Listens on `address` ("0": nothing); rejects with one readable line when the port is taken. */
export async function serve(what: string, address: string, routes: Routes): Promise<Server | undefined> {
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  const server = createServer((req, res) => {
    const route = routes[(req.url ?? '/').split('?')[0] as string];
    if (!route) {
      res.writeHead(404).end('not found\n');
      return;
    }
    route().then(
      ([status, type, body]) => res.writeHead(status, { 'Content-Type': type }).end(body),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'address already in use' : error.message;
      reject(new Error(`${what}: cannot listen on ${address}: ${why}`));
    });
    server.listen(parsed.port, parsed.host, () => resolve());
  });
  return server;
}

export function probeRoutes(operator: Operator): Routes {
  return {
    '/healthz': async () => [200, 'text/plain', 'ok\n'],
    '/readyz': async () =>
      operator.ready ? [200, 'text/plain', 'ok\n'] : [503, 'text/plain', 'informers not synced\n'],
  };
}

export function metricsRoutes(operator: Operator): Routes {
  return {
    '/metrics': async () => [
      200,
      operator.metrics.registry.contentType,
      await operator.metrics.registry.metrics(),
    ],
  };
}
