// Composition root: flags → kubeconfig → operator → HTTP endpoints → signals.
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { helpText, parseOptions } from './config.js';
import { metricsRoutes, probeRoutes, serve } from './controller/http.js';
import { Operator } from './controller/operator.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(helpText());
  process.exit(0);
}

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(args, process.env);
} catch (error) {
  process.stderr.write(`apptrust-operator: ${(error as Error).message}\n`);
  process.exit(2);
}

const log = pino({ level: options.logLevel, base: { component: 'apptrust-operator' } });
const kubeConfig = new KubeConfig();
try {
  kubeConfig.loadFromDefault(); // in-cluster service account, else KUBECONFIG / ~/.kube/config
} catch (error) {
  process.stderr.write(`apptrust-operator: cannot load the kubeconfig: ${(error as Error).message}\n`);
  process.exit(2);
}

const operator = new Operator(kubeConfig, options, log, {
  onLostLeadership: () => {
    log.fatal('lost leadership; exiting so that only the leader writes');
    process.exit(1);
  },
});
const servers = [
  serve(options.probeAddress, probeRoutes(operator)),
  serve(options.metricsAddress, metricsRoutes(operator)),
];

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down: finishing in-flight reconciles');
  await operator.stop();
  for (const server of servers) server?.close();
  log.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

log.info(
  {
    server: kubeConfig.getCurrentCluster()?.server,
    identity: operator.identity,
    leaderElect: options.leaderElect,
  },
  'starting',
);
await operator.start();
log.info('informers synced; ready');
