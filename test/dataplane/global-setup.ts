// Jest global setup of the dataplane project: builds (or reuses) the enforcer, starts a control
// plane of its own and the dataplane on it. Where the host cannot run it, the tier is skipped with
// the reason, and test-results/dataplane-status.json says so (.ci/run fails on that on Linux as root).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane } from '../cluster/controlplane.js';
import { installProjectCrds } from '../cluster/crds.js';
import { REPO_ROOT } from '../cluster/repo.js';
import { Dataplane } from './dataplane.js';
import { enforcerBinary } from './enforcer.js';
import { dataplaneUnsupportedReason } from './host.js';

export const DATAPLANE_CLUSTER_DIR = join(REPO_ROOT, '.cache', 'dataplane-cluster');
export const DATAPLANE_STATE_DIR = join(REPO_ROOT, '.cache', 'dataplane');
const RESULTS = join(REPO_ROOT, 'test-results');

function status(ran: boolean, reason?: string): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'dataplane-status.json'),
    `${JSON.stringify({ ran, ...(reason ? { reason } : {}) })}\n`,
  );
}

export default async function globalSetup(): Promise<void> {
  for (const f of ['dataplane-probes.jsonl', 'dataplane-latency.jsonl', 'dataplane-status.json'])
    rmSync(join(RESULTS, f), { force: true });
  const reason = dataplaneUnsupportedReason();
  if (reason) {
    process.env.APPTRUST_DATAPLANE_SKIP = reason;
    status(false, reason);
    process.stderr.write(`\ndataplane: skipped: ${reason}\n`);
    return;
  }
  const started = Date.now();
  const binary = enforcerBinary();
  const cp = await startControlPlane(DATAPLANE_CLUSTER_DIR, { beforeControllers: installProjectCrds });
  process.env.APPTRUST_DATAPLANE_CLUSTER_DIR = DATAPLANE_CLUSTER_DIR;
  const dataplane = await Dataplane.create({
    stateDir: DATAPLANE_STATE_DIR,
    kubeconfig: cp.kubeconfig,
    enforcerBinary: binary,
  });
  dataplane.close();
  process.env.APPTRUST_DATAPLANE_STATE = DATAPLANE_STATE_DIR;
  process.env.APPTRUST_DATAPLANE_KUBECONFIG = cp.kubeconfig;
  status(true);
  process.stderr.write(
    `\ndataplane: control plane, node ${dataplane.nodeName} (network namespace ${dataplane.nodeNetns}) and enforcer up in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
}
