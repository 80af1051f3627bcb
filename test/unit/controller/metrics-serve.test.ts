// The metrics endpoint's guard and transport: a request is answered only after `authorize` allows
// it (401/403 carry the reason, never the route), an authorizer that cannot reach the API server
// makes it 503, and with --metrics-cert-dir the same routes are served over HTTPS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../../../src/controller/http.js';
import type { AccessDecision } from '../../../src/kube/request-authorizer.js';

const routes = {
  '/metrics': async () => [200, 'text/plain', 'secret_metric 1\n'] as [number, string, string],
};

it('answers the route only when authorized; 401/403 with the reason; 503 when access cannot be checked', async () => {
  const decisions: Record<string, AccessDecision | Error> = {
    'Bearer good': { allowed: true, user: 'prometheus' },
    'Bearer weak': { allowed: false, status: 403, reason: 'viewer may not get /metrics' },
    'Bearer down': new Error('connect ECONNREFUSED'),
  };
  const server = await serve('metrics', '127.0.0.1:0', routes, {
    authorize: async (req) => {
      const d = decisions[req.headers.authorization ?? ''] ?? {
        allowed: false,
        status: 401,
        reason: 'a bearer token is required',
      };
      if (d instanceof Error) throw d;
      return d;
    },
  });
  const url = `http://127.0.0.1:${(server?.address() as AddressInfo | undefined)?.port}/metrics`;
  const scrape = async (authorization?: string) => {
    const res = await fetch(url, authorization ? { headers: { authorization } } : {});
    return [res.status, await res.text()];
  };
  try {
    expect(await scrape()).toEqual([401, 'a bearer token is required\n']);
    expect(await scrape('Bearer weak')).toEqual([403, 'viewer may not get /metrics\n']);
    expect(await scrape('Bearer down')).toEqual([503, 'cannot check access now\n']);
    expect(await scrape('Bearer good')).toEqual([200, 'secret_metric 1\n']);
  } finally {
    server?.close();
  }
});

it('serves HTTPS from tls.crt and tls.key in --metrics-cert-dir', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apptrust-metrics-tls-'));
  // biome-ignore format: one command
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')], { stdio: 'ignore' });
  const server = await serve('metrics', '127.0.0.1:0', routes, { certDir: dir });
  try {
    const port = (server?.address() as AddressInfo | undefined)?.port;
    const body = await new Promise<string>((resolve, reject) => {
      httpsGet({ host: '127.0.0.1', port, path: '/metrics', rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(body).toBe('secret_metric 1\n');
  } finally {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
