// /healthz, /readyz and /metrics: probes on their own port, open (the kubelet calls them); metrics
// on another, behind authentication and authorization when --metrics-secure (the default).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { join } from 'node:path';
import { parseAddress } from '../bind-address.js';
import { type AccessDecision, RequestAuthorizer } from '../kube/request-authorizer.js';
import type { KubeRest } from '../kube/rest.js';
import type { Operator } from './operator.js';

export { type ListenAddress, parseAddress } from '../bind-address.js';

export type Routes = Record<string, () => Promise<[number, string, string]>>;

export interface ServeOptions {
  /** Asked before any route answers: who is calling, and may they (401/403 otherwise). */
  authorize?: (req: IncomingMessage, path: string) => Promise<AccessDecision>;
  /** A directory with tls.crt and tls.key (a cert-manager Secret, mounted): serve HTTPS. */
  certDir?: string;
}

/** Listens on `address` ("0": nothing); rejects with one readable line when the port is taken. */
export async function serve(
  what: string,
  address: string,
  routes: Routes,
  options: ServeOptions = {},
): Promise<Server | undefined> {
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  const handler: RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const route = routes[path];
    if (!route) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const allowed = options.authorize ? options.authorize(req, path) : Promise.resolve(undefined);
    allowed
      .then(async (decision) => {
        if (decision && !decision.allowed) {
          res.writeHead(decision.status, { 'Content-Type': 'text/plain' }).end(`${decision.reason}\n`);
          return;
        }
        const [status, type, body] = await route();
        res.writeHead(status, { 'Content-Type': type }).end(body);
      })
      .catch((error: unknown) => {
        // An API server that cannot review the token is no reason to answer: unavailable, no details.
        if (options.authorize) res.writeHead(503).end('cannot check access now\n');
        else res.writeHead(500).end(String(error));
      });
  };
  const server = options.certDir
    ? createTlsServer(
        {
          cert: readFileSync(join(options.certDir, 'tls.crt')),
          key: readFileSync(join(options.certDir, 'tls.key')),
        },
        handler,
      )
    : createServer(handler);
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

/** The secure metrics filter: the API server authenticates the bearer token and authorizes the GET. */
export function metricsAuthorizer(rest: KubeRest): NonNullable<ServeOptions['authorize']> {
  const authorizer = new RequestAuthorizer(rest);
  return (req, path) => authorizer.check(req.headers.authorization, path, 'get');
}
