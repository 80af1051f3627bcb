import { stopControlPlane } from './controlplane.js';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.APPTRUST_TEST_CLUSTER_DIR;
  if (process.env.APPTRUST_TEST_PROVIDER === 'local' && dir) await stopControlPlane(dir);
}
