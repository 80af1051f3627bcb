// Jest global setup of the integration project: one control plane per run, or an existing
// cluster when APPTRUST_TEST_KUBECONFIG names one (that is how the suite runs against kind).
import { join } from 'node:path';
import { startControlPlane } from './controlplane.js';
import { installProjectCrds } from './crds.js';
import { REPO_ROOT } from './repo.js';

export const TEST_CLUSTER_DIR = join(REPO_ROOT, '.cache', 'test-cluster');

export default async function globalSetup(): Promise<void> {
  const existing = process.env.APPTRUST_TEST_KUBECONFIG;
  if (existing) {
    await installProjectCrds(existing);
    process.env.APPTRUST_TEST_PROVIDER = 'kubeconfig';
    process.stderr.write(`\nintegration: using the cluster of ${existing}\n`);
    return;
  }
  const started = Date.now();
  const cp = await startControlPlane(TEST_CLUSTER_DIR, { beforeControllers: installProjectCrds });
  process.env.APPTRUST_TEST_KUBECONFIG = cp.kubeconfig;
  process.env.APPTRUST_TEST_PROVIDER = 'local';
  process.env.APPTRUST_TEST_CLUSTER_DIR = TEST_CLUSTER_DIR;
  process.stderr.write(
    `\nintegration: local control plane up at ${cp.server} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
}
