import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { installCrds } from '../../src/kube/crd-install.js';
import { KubeRest } from '../../src/kube/rest.js';
import { REPO_ROOT } from './repo.js';

/** Installs crds/ into the cluster of `kubeconfig` and waits for them to be Established. */
export async function installProjectCrds(kubeconfig: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  await installCrds(new KubeRest(kc), join(REPO_ROOT, 'crds'));
}
