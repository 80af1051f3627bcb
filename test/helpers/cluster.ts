// Access to the integration cluster started by the global setup (or named by APPTRUST_TEST_KUBECONFIG).
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { namespace, namespaces } from '../../src/kube/paths.js';
import { KubeRest } from '../../src/kube/rest.js';

export function testKubeConfig(): KubeConfig {
  const path = process.env.APPTRUST_TEST_KUBECONFIG;
  if (!path)
    throw new Error('APPTRUST_TEST_KUBECONFIG is not set: run integration tests through jest (global setup)');
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export function testRest(): KubeRest {
  return new KubeRest(testKubeConfig());
}

/** A fresh namespace for one test file; deleted by `deleteNamespace`. */
export async function createNamespace(
  rest: KubeRest,
  prefix: string,
  labels: Record<string, string> = {},
): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await rest.request({
    method: 'POST',
    path: namespaces(),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
  });
  return name;
}

/** createNamespace, its name filed in `created` for the test file's cleanup. */
export async function createTrackedNamespace(
  rest: KubeRest,
  created: string[],
  prefix: string,
  labels: Record<string, string> = {},
): Promise<string> {
  const ns = await createNamespace(rest, prefix, labels);
  created.push(ns);
  return ns;
}

/** A client and a fresh namespace for one test file's beforeAll (`deleteNamespace` in its afterAll). */
export async function withTestNamespace(prefix: string): Promise<{ rest: KubeRest; ns: string }> {
  const rest = testRest();
  return { rest, ns: await createNamespace(rest, prefix) };
}

/**
 * A pod as a controller would create it, then the status a kubelet would report: no kubelet runs
 * here, so the address is data only (no traffic). No ownerReferences: the garbage collector would
 * delete pods whose controller does not exist.
 */
export async function createRunningPod(
  rest: KubeRest,
  pod: { namespace: string; name: string; labels: Record<string, string> | undefined; ip: string },
  ports: Array<{ containerPort: number; name?: string | undefined }> | undefined,
): Promise<void> {
  const { namespace: ns, name, labels, ip } = pod;
  await rest.request({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/pods`,
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels },
      spec: { containers: [{ name: 'c', image: 'none', ports }] },
    },
  });
  await rest.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${ns}/pods/${name}/status`,
    contentType: 'application/merge-patch+json',
    body: { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } },
  });
}

export async function deleteNamespace(rest: KubeRest, name: string): Promise<void> {
  await rest.delete(namespace(name)).catch(() => undefined);
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
