// /healthz, /readyz and /metrics.
import { createServer, type Server } from 'node:http';
import type { Operator } from './operator.js';

/** ":8080" → {host: undefined, port: 8080}; "0" → disabled. */
export function parseAddress(address: string): { host: string | undefined; port: number } | undefined {
  if (address === '0' || address === '') return undefined;
  const colon = address.lastIndexOf(':');
  const host = colon > 0 ? address.slice(0, colon) : undefined;
  return { host, port: Number(address.slice(colon + 1)) };
}

export function serve(
  address: string,
  routes: Record<string, () => Promise<[number, string, string]>>,
): Server | undefined {
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
  server.listen(parsed.port, parsed.host);
  return server;
}

export function probeRoutes(operator: Operator): Record<string, () => Promise<[number, string, string]>> {
  return {
    '/healthz': async () => [200, 'text/plain', 'ok\n'],
    '/readyz': async () =>
      operator.ready ? [200, 'text/plain', 'ok\n'] : [503, 'text/plain', 'informers not synced\n'],
  };
}

export function metricsRoutes(operator: Operator): Record<string, () => Promise<[number, string, string]>> {
  return {
    '/metrics': async () => [
      200,
      operator.metrics.registry.contentType,
      await operator.metrics.registry.metrics(),
    ],
  };
}
