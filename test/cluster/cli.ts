// `make cluster-up` / `make cluster-down`: the local control plane for humans and `make run`.

import { runningControlPlane, startControlPlane, stopControlPlane } from './controlplane.js';
import { installProjectCrds } from './crds.js';

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
  if (command === 'down') {
    for (const dir of dirs) {
      const stopped = await stopControlPlane(dir);
      console.log(
        stopped.length > 0 ? `stopped ${stopped.join(', ')} (${dir})` : `nothing running in ${dir}`,
      );
    }
    return;
  }
  console.error('usage: cli.js up DIR | down DIR...');
  process.exitCode = 2;
}

await main();
