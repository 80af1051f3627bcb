// What the kind end-to-end tests share: the cluster they run against (make e2e-kind sets the
// environment), pods of the test-server image (hack/kind/images.sh: `node /probe/serve.js PORT...`
// serves, `node /probe/probe.js HOST PORT` tries one fresh connection, the programs of
// test/helpers/probe-programs.ts), and kubectl for what the REST client does not do (exec, logs).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { namespace as namespacePath } from '../../src/kube/paths.js';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually } from '../helpers/cluster.js';
import { describeIf } from '../helpers/skip.js';
import type { PodToStart } from '../helpers/traffic-plan.js';
import { servedPortArg } from '../helpers/traffic-plan.js';

export const KUBECONFIG = process.env.APPTRUST_E2E_KUBECONFIG;
/** The test-server image loaded into the cluster by make e2e-kind. */
export const TEST_IMAGE = process.env.APPTRUST_E2E_TEST_IMAGE ?? '';
/** kustomize (make deploy) or helm: how the operator was installed for this run. */
export const INSTALLER = process.env.APPTRUST_E2E_INSTALLER ?? 'kustomize';
export const KUBECTL = process.env.APPTRUST_E2E_KUBECTL ?? 'kubectl';
export const OPERATOR_NAMESPACE = 'apptrust-system';
export const FIELD_MANAGER = 'apptrust-e2e';
const SKIP_REASON =
  'APPTRUST_E2E_KUBECONFIG is not set: the kind tier runs under make e2e-kind (Linux, root: it builds and starts its own kind cluster)';

export const describeOnKind = describeIf(KUBECONFIG && TEST_IMAGE, SKIP_REASON);
if (!KUBECONFIG) console.warn(SKIP_REASON);

export function kindRest(): KubeRest {
  const kc = new KubeConfig();
  kc.loadFromFile(KUBECONFIG as string);
  return new KubeRest(kc);
}

const run = promisify(execFile);

/** kubectl against the kind cluster; resolves to stdout. */
export async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(KUBECTL, ['--kubeconfig', KUBECONFIG as string, ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

export interface RunningPod {
  namespace: string;
  name: string;
  ip: string;
}

/** The container of a test pod: serves the given ports (root, for ports below 1024). */
export function serverContainer(ports: string[]) {
  return {
    name: 'probe',
    image: TEST_IMAGE,
    imagePullPolicy: 'Never',
    args: ports,
    securityContext: { runAsUser: 0 },
  };
}

export function podManifest(start: PodToStart) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: start.pod.name, namespace: start.pod.namespace, labels: start.pod.labels },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [serverContainer(start.ports.map(servedPortArg))],
    },
  };
}

export async function applyNamespace(
  rest: KubeRest,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  await rest.apply(
    namespacePath(name),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
    FIELD_MANAGER,
  );
}

/** A Running pod with an IP matching the selector, or undefined. */
export async function runningPod(
  rest: KubeRest,
  namespace: string,
  labels: Record<string, string>,
): Promise<RunningPod | undefined> {
  const selector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const list = await rest.get<{
    items: Array<{
      metadata: { name: string; deletionTimestamp?: string };
      status: { phase?: string; podIP?: string };
    }>;
  }>(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: selector });
  const pod = list.items.find(
    (p) => p.status.phase === 'Running' && p.status.podIP && !p.metadata.deletionTimestamp,
  );
  return pod ? { namespace, name: pod.metadata.name, ip: pod.status.podIP as string } : undefined;
}

export function waitRunning(
  rest: KubeRest,
  namespace: string,
  labels: Record<string, string>,
  timeoutMs = 180_000,
): Promise<RunningPod> {
  return eventually(
    `a running pod ${JSON.stringify(labels)} in ${namespace}`,
    () => runningPod(rest, namespace, labels),
    timeoutMs,
    500,
  );
}

export type Outcome = 'connected' | 'timeout' | 'error';

/** One fresh TCP (or UDP) connection from a pod of the test-server image. */
export async function probeFrom(
  from: { namespace: string; name: string },
  ip: string,
  port: number,
  protocol: 'TCP' | 'UDP' = 'TCP',
  timeoutMs = 2000,
): Promise<Outcome> {
  try {
    await kubectl(
      'exec',
      '-n',
      from.namespace,
      from.name,
      '--',
      'node',
      '/probe/probe.js',
      ip,
      String(port),
      protocol,
      String(timeoutMs),
    );
    return 'connected';
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 1) return 'timeout';
    if (code === 2) return 'error';
    throw error;
  }
}

export async function connects(from: RunningPod, ip: string, port: number): Promise<boolean> {
  return (await probeFrom(from, ip, port)) === 'connected';
}
