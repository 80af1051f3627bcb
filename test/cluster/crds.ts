import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { installCrds } from '../../hack/crd/crd-install.js';
import { isNotFound } from '../../src/kube/errors.js';
import { namespace, namespaces } from '../../src/kube/paths.js';
import { KubeRest } from '../../src/kube/rest.js';
import { REPO_ROOT } from './repo.js';

/** The default --operator-namespace: it holds the baseline record (config/manager creates it on deploy). */
export const OPERATOR_NAMESPACE = 'apptrust-system';

/** Creates the operator's namespace when absent, labelled as config/manager does. */
export async function ensureOperatorNamespace(rest: KubeRest): Promise<void> {
  const exists = await rest.get(namespace(OPERATOR_NAMESPACE)).then(
    () => true,
    (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)),
  );
  if (exists) return;
  await rest.request({
    method: 'POST',
    path: namespaces(),
    body: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: OPERATOR_NAMESPACE, labels: { 'apptrust.dev/baseline': 'disabled' } },
    },
  });
}

/**
 * Installs crds/ into the cluster of `kubeconfig` and waits for them to be Established; creates the
 * operator's namespace, so `make run` and in-process operators find where the baseline record goes.
 */
export async function installProjectCrds(kubeconfig: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const rest = new KubeRest(kc);
  await installCrds(rest, join(REPO_ROOT, 'crds'));
  await ensureOperatorNamespace(rest);
  rest.close();
}
