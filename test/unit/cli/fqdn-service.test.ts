// apptrust render/validate/explain with fqdn and service endpoints, in-process: --fqdn, --resolve
// against our own DNS server, Services from the -f inputs, the note for an unresolved name.
import { parseAllDocuments } from 'yaml';
import { type CliIo, runCli } from '../../../src/cli/run.js';
import type { NetworkPolicy } from '../../../src/compiler/index.js';
import { type DnsTestServer, startDnsServer } from '../../dataplane/dns-server.js';

const SAMPLE = 'config/samples/intents/payment-gateway.yaml';

async function apptrust(args: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    version: 'test',
    readStdin: () => stdin,
    readCluster: () => Promise.reject(new Error('no cluster in unit tests')),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
const policies = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as NetworkPolicy);
const policy = (yaml: string, name: string) => policies(yaml).find((p) => p.metadata.name === name);

let dns: DnsTestServer;
beforeAll(async () => {
  dns = await startDnsServer({ 'api.payments.example': { a: ['192.0.2.77'], ttl: 60 } });
});
afterAll(() => dns.close());

describe('apptrust render with fqdn and service endpoints', () => {
  it('--fqdn gives reproducible ipBlocks; the Service comes from the same inputs', async () => {
    const r = await apptrust([
      'render',
      '-f',
      SAMPLE,
      '--fqdn',
      'api.payments.example=192.0.2.10,2001:db8::10',
    ]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(policy(r.stdout, 'checkout.payments')?.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '192.0.2.10/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '2001:db8::10/128' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      expect.objectContaining({
        ports: [
          { protocol: 'TCP', port: 53 },
          { protocol: 'UDP', port: 53 },
        ],
      }),
    ]);
    expect(policy(r.stdout, 'checkout.frontend')?.spec.egress?.[1]).toEqual({
      to: [{ podSelector: { matchLabels: { app: 'backend' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    });
  });

  it('without --fqdn or --resolve: a note names the name on stderr, no ipBlock for it', async () => {
    const r = await apptrust(['render', '-f', SAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `${SAMPLE}: checkout/checkout: note: DNS name api.payments.example has no addresses: no ipBlock rendered for it (give --fqdn api.payments.example=ADDR or --resolve)\n`,
    );
    expect(JSON.stringify(policy(r.stdout, 'checkout.payments')?.spec.egress)).not.toContain('ipBlock');
  });

  it('--resolve asks --fqdn-resolver', async () => {
    const r = await apptrust(['render', '-f', SAMPLE, '--resolve', '--fqdn-resolver', dns.address]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.stringify(policy(r.stdout, 'checkout.payments')?.spec.egress)).toContain('192.0.2.77/32');
  });

  it('--resolve that fails says why in the note', async () => {
    dns.answers = {};
    const r = await apptrust(['render', '-f', SAMPLE, '--resolve', '--fqdn-resolver', dns.address]);
    dns.answers = { 'api.payments.example': { a: ['192.0.2.77'], ttl: 60 } };
    expect(r.stderr).toContain('api.payments.example has no addresses (name not found (NXDOMAIN))');
  });

  it('a profile naming a Service that is not in the inputs is invalid (exit 1)', async () => {
    const profileOnly = (await import('node:fs')).readFileSync(SAMPLE, 'utf8').split('---\n')[2] as string;
    const r = await apptrust(['validate', '-f', '-'], profileOnly);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      '<stdin>: checkout/checkout: spec.allow[0].to.service: Service checkout/backend not found\n',
    );
    expect(r.stdout).toBe('');
  });

  it.each([
    [
      ['--fqdn', 'API.example=192.0.2.1'],
      '--fqdn must be NAME=ADDR[,ADDR] with an exact lowercase DNS name, not "API.example=192.0.2.1"',
    ],
    [['--fqdn', 'api.example=banana'], '--fqdn api.example: "banana" is not an IPv4 or IPv6 address'],
  ])('usage error for %j', async (flags, message) => {
    const r = await apptrust(['render', '-f', SAMPLE, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('apptrust explain with fqdn and service endpoints', () => {
  const world = `apiVersion: v1
kind: Pod
metadata: {name: pay-1, namespace: checkout, labels: {app: payments}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 8443}]}]}
status: {podIP: 10.0.0.5, phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: checkout, labels: {app: frontend}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.6, phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: be-1, namespace: checkout, labels: {app: backend}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
status: {podIP: 10.0.0.7, phase: Running}
`;
  it('shows the DNS name with its address and the Service with its selector', async () => {
    const from = ['--from', 'checkout/pay-1', '--to', 'api.payments.example=192.0.2.10', '--port', '443'];
    const r = await apptrust(
      ['explain', '-f', SAMPLE, '-f', '-', '--fqdn', 'api.payments.example=192.0.2.10', ...from],
      world,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('api.payments.example=192.0.2.10');
    expect(r.stdout).toContain('allowed');
    expect(r.stdout).toContain('(to fqdn api.payments.example = 192.0.2.10)');
    const svc = await apptrust(
      [
        'explain',
        '-f',
        SAMPLE,
        '-f',
        '-',
        '--from',
        'checkout/web-1',
        '--to',
        'checkout/be-1',
        '--port',
        '8080',
      ],
      world,
    );
    expect(svc.stdout).toContain('(to service checkout/backend (app=backend))');
  });
});
