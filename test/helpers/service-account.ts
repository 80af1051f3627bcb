// Running the operator process as a ServiceAccount of the deploy manifests: a TokenRequest token
// (the real identity, groups included) in a kubeconfig of its own, and the Deployment's own flags.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { KubeApiError } from '../../src/kube/errors.js';
import { LEASE_NAME } from '../../src/kube/rbac.js';
import { KubeRest } from '../../src/kube/rest.js';
import { testKubeConfig } from './cluster.js';
import { type OperatorProcess, startOperatorProcess } from './process.js';

type Rendered = { kind: string; spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };

/** The container args of the Deployment in rendered manifests (kustomize or helm output). */
export function deploymentArgs(rendered: string): string[] {
  const deployment = parseAllDocuments(rendered)
    .map((d) => d.toJS() as Rendered | null)
    .find((o) => o?.kind === 'Deployment');
  return deployment?.spec.template.spec.containers[0]?.args ?? [];
}

/** A kubeconfig for namespace/name: the test cluster's server and CA, a TokenRequest token. */
export async function serviceAccountKubeConfig(
  admin: KubeRest,
  namespace: string,
  name: string,
): Promise<KubeConfig> {
  const response = await admin.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  const cluster = testKubeConfig().getCurrentCluster();
  if (!cluster) throw new Error('the test kubeconfig has no current cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token: response.status.token }],
    contexts: [{ name: 'operator', cluster: cluster.name, user: name }],
    currentContext: 'operator',
  });
  return kc;
}

/** Starts `node dist/main.js` with the Deployment's args as the ServiceAccount; `dir` holds its kubeconfig. */
export async function startAsServiceAccount(
  admin: KubeRest,
  account: { namespace: string; name: string },
  rendered: string,
  dir: string,
): Promise<{ rest: KubeRest; operator: OperatorProcess; args: string[] }> {
  const args = deploymentArgs(rendered);
  // The manifests grant the Lease of the default name only (resourceNames): a lease another test
  // left behind under that name would delay this one by a lease duration, so it goes first.
  await admin
    .delete(`/apis/coordination.k8s.io/v1/namespaces/${account.namespace}/leases/${LEASE_NAME}`)
    .catch((error: unknown) => {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    });
  const kc = await serviceAccountKubeConfig(admin, account.namespace, account.name);
  const kubeconfigFile = join(dir, `${account.name}.kubeconfig`);
  writeFileSync(kubeconfigFile, kc.exportConfig());
  chmodSync(kubeconfigFile, 0o600);
  const operator = startOperatorProcess(
    [
      ...args,
      // Not the Deployment's ports (other tests may hold them).
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      '--log-level=info',
    ],
    { KUBECONFIG: kubeconfigFile, POD_NAMESPACE: account.namespace },
  );
  return { rest: new KubeRest(kc), operator, args };
}

/** 'allowed', or the API's reason for refusing (Forbidden, ...). */
export async function outcomeOf(request: Promise<unknown>): Promise<string> {
  try {
    await request;
    return 'allowed';
  } catch (error) {
    return error instanceof KubeApiError ? error.reason : String(error);
  }
}
