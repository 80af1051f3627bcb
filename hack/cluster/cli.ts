// `make cluster-up` / `make cluster-down`: the local control plane for humans and `make run`.

import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../../src/kube/rest.js';
import { runningControlPlane, startControlPlane, stopControlPlane } from '../../test/cluster/controlplane.js';
import { ensureOperatorNamespace, installProjectCrds, OPERATOR_NAMESPACE } from '../../test/cluster/crds.js';
import { REPO_ROOT } from '../../test/cluster/repo.js';
import { installCrds } from '../crd/crd-install.js';

async function currentClusterAnswers(): Promise<boolean> {
  try {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    if (!kc.getCurrentCluster()) return false;
    const rest = new KubeRest(kc);
    await Promise.race([
      rest.get('/version'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000)),
    ]);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const [command, ...dirs] = process.argv.slice(2);
  if (command === 'up' && dirs[0]) {
    const running = runningControlPlane(dirs[0]);
    if (running) {
      console.log(
        `control plane already running at ${running.server} (pids ${Object.values(running.pids).join(' ')})`,
      );
      console.log(`export KUBECONFIG=${running.kubeconfig}`);
      return;
    }
    const started = Date.now();
    const cp = await startControlPlane(dirs[0], { beforeControllers: installProjectCrds });
    console.log(
      `control plane up at ${cp.server} in ${((Date.now() - started) / 1000).toFixed(1)}s (CRDs installed)`,
    );
    console.log(`export KUBECONFIG=${cp.kubeconfig}`);
    return;
  }
  if (command === 'reachable') {
    // Exit 0 when the current kubeconfig (KUBECONFIG or ~/.kube/config) answers within 3 s.
    process.exitCode = (await currentClusterAnswers()) ? 0 : 1;
    return;
  }
  if (command === 'install-crds') {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    const rest = new KubeRest(kc);
    await installCrds(rest, join(REPO_ROOT, 'crds'));
    await ensureOperatorNamespace(rest);
    rest.close();
    console.log(`CRDs and namespace ${OPERATOR_NAMESPACE} installed into ${kc.getCurrentCluster()?.server}`);
    return;
  }
  if (command === 'down') {
    for (const dir of dirs) {
      const stopped = await stopControlPlane(dir);
      console.log(
        stopped.length > 0 ? `stopped ${stopped.join(', ')} (${dir})` : `nothing running in ${dir}`,
      );
    }
    return;
  }
  console.error('usage: cli.js up DIR | down DIR... | reachable | install-crds');
  process.exitCode = 2;
}

await main();
