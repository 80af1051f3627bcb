// The kubeconfig loader the operator uses instead of client-node's: the same files give the same
// server, TLS material and headers as client-node's KubeConfig; what it does not cover (plugins,
// proxies) is handed to client-node.
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { accessFromKubeconfig, inClusterAccess, loadKubeAccess } from '../../../src/kube/kube-access.js';

const dir = mkdtempSync(join(tmpdir(), 'apptrust-access-'));
const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(name: string, cluster: string, user: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: here
contexts:
- {name: other, context: {cluster: nowhere, user: nobody}}
- {name: here, context: {cluster: c, user: u}}
clusters:
- {name: nowhere, cluster: {server: "https://10.0.0.1"}}
- name: c
  cluster: {${cluster}}
users:
- name: u
  user: {${user}}
`,
  );
  return file;
}

async function optionsOf(access: { applyToHTTPSOptions(o: RequestOptions): Promise<void> }) {
  const opts: RequestOptions = { headers: {} };
  await access.applyToHTTPSOptions(opts);
  return opts;
}

it('client certificates as data: the same TLS options as client-node', async () => {
  const file = kubeconfig(
    'certs',
    `server: "https://127.0.0.1:6443", certificate-authority-data: ${b64('CA')}, tls-server-name: api.local`,
    `client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')}`,
  );
  const ours = await accessFromKubeconfig(file);
  const theirs = new KubeConfig();
  theirs.loadFromFile(file);
  expect(ours?.getCurrentCluster().server).toBe(theirs.getCurrentCluster()?.server);
  const [a, b] = [await optionsOf(ours as never), await optionsOf(theirs)];
  expect({ ca: a.ca, cert: a.cert, key: a.key, servername: a.servername }).toEqual({
    ca: b.ca,
    cert: b.cert,
    key: b.key,
    servername: b.servername,
  });
  expect(String(a.ca)).toBe('CA');
});

it('files relative to the kubeconfig, a token, insecure-skip-tls-verify and impersonation', async () => {
  writeFileSync(join(dir, 'ca.crt'), 'CA-FILE');
  const file = kubeconfig(
    'files',
    'server: "https://h:1", certificate-authority: ca.crt, insecure-skip-tls-verify: true',
    'token: secret-token, as: alice',
  );
  const opts = await optionsOf((await accessFromKubeconfig(file)) as never);
  expect(String(opts.ca)).toBe('CA-FILE');
  expect(opts.rejectUnauthorized).toBe(false);
  expect(opts.headers).toEqual({ Authorization: 'Bearer secret-token', 'Impersonate-User': 'alice' });
});

it('exec plugins and proxies are left to client-node', async () => {
  const exec = kubeconfig('exec', 'server: "https://h:1"', 'exec: {command: get-token, apiVersion: v1}');
  expect(await accessFromKubeconfig(exec)).toBeUndefined();
  const proxied = kubeconfig('proxy', 'server: "https://h:1", proxy-url: "http://proxy:3128"', 'token: t');
  expect(await accessFromKubeconfig(proxied)).toBeUndefined();
  const access = await loadKubeAccess({ KUBECONFIG: exec, HOME: dir });
  expect(access).toBeInstanceOf(KubeConfig);
});

it('KUBECONFIG first; a simple file needs no client-node', async () => {
  const file = kubeconfig('simple', 'server: "https://simple:1"', 'token: t');
  const access = await loadKubeAccess({ KUBECONFIG: file, HOME: dir });
  expect(access).not.toBeInstanceOf(KubeConfig);
  expect(access.getCurrentCluster()?.server).toBe('https://simple:1');
});

it('in cluster: the service account token, re-read from its file, and the cluster CA', async () => {
  const sa = mkdtempSync(join(tmpdir(), 'apptrust-sa-'));
  writeFileSync(join(sa, 'token'), 'sa-token\n');
  writeFileSync(join(sa, 'ca.crt'), 'SA-CA');
  const access = inClusterAccess({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, sa);
  expect(access.getCurrentCluster().server).toBe('https://[fd00::1]:443');
  const opts = await optionsOf(access);
  expect(String(opts.ca)).toBe('SA-CA');
  expect(opts.headers).toEqual({ Authorization: 'Bearer sa-token' });
});
