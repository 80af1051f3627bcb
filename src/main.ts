// Composition root: flags → kubeconfig → operator → HTTP endpoints → signals.
import type { Server } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { helpText, parseOptions } from './config.js';
import { metricsAuthorizer, metricsRoutes, probeRoutes, serve } from './controller/http.js';
import { Operator } from './controller/operator.js';
import { resolveLogFormat, textDestination } from './log-format.js';
import { VERSION } from './version.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(helpText());
  process.exit(0);
}
if (args.includes('--version')) {
  process.stdout.write(`apptrust-operator ${VERSION}\n`);
  process.exit(0);
}

/** One line on stderr and exit 2: what a person at a terminal can act on, no stack trace. */
function fail(message: string): never {
  process.stderr.write(`apptrust-operator: ${message}\n`);
  process.exit(2);
}

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(args, process.env);
} catch (error) {
  fail((error as Error).message);
}

const logOptions = { level: options.logLevel, base: { component: 'apptrust-operator' } };
const log =
  resolveLogFormat(options.logFormat, process.stdout.isTTY === true) === 'text'
    ? pino(logOptions, textDestination())
    : pino(logOptions);
const kubeConfig = new KubeConfig();
try {
  kubeConfig.loadFromDefault(); // in-cluster service account, else KUBECONFIG / ~/.kube/config
} catch (error) {
  fail(`cannot load the kubeconfig: ${(error as Error).message}`);
}

const operator = new Operator(kubeConfig, options, log, {
  onLostLeadership: () => {
    log.fatal('lost leadership; exiting so that only the leader writes');
    process.exit(1);
  },
});
let servers: Array<Server | undefined> = [];
try {
  servers = [
    await serve('health probes', options.probeAddress, probeRoutes(operator)),
    await serve('metrics', options.metricsAddress, metricsRoutes(operator), {
      ...(options.metricsSecure ? { authorize: metricsAuthorizer(operator.rest) } : {}),
      ...(options.metricsCertDir ? { certDir: options.metricsCertDir } : {}),
    }),
  ];
} catch (error) {
  fail((error as Error).message);
}

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

// One line that says what runs where: version, the effective settings, the endpoints.
log.info(
  {
    version: VERSION,
    server: kubeConfig.getCurrentCluster()?.server,
    identity: operator.identity,
    metrics: options.metricsAddress === '0' ? 'off' : `${options.metricsAddress}/metrics`,
    probes: options.probeAddress === '0' ? 'off' : `${options.probeAddress}/healthz,/readyz`,
    settings: options,
  },
  `starting apptrust-operator ${VERSION}`,
);
await operator.start();
log.info('informers synced; ready');
