// Composition root: flags → kubeconfig → operator → HTTP endpoints → signals. Loaded by main.ts
// once the V8 settings are in place (src/node-flags.ts).
import type { Server } from 'node:http';
import { pino } from 'pino';
import { helpText, parseOptions } from './config.js';
import { metricsAuthorizer, metricsRoutes, probeRoutes, serve } from './controller/http.js';
import { Operator } from './controller/operator.js';
import { HeapTrimmer, memoryPressureCollect } from './heap-trimmer.js';
import { type KubeAccess, loadKubeAccess } from './kube/kube-access.js';
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
let kubeConfig: KubeAccess;
try {
  kubeConfig = await loadKubeAccess(); // KUBECONFIG, else ~/.kube/config, else the in-cluster service account
} catch (error) {
  fail(`cannot load the kubeconfig: ${(error as Error).message}`);
}

const operator = new Operator(kubeConfig, options, log, {
  onLostLeadership: () => {
    log.fatal('lost leadership; exiting so that only the leader writes');
    process.exit(1);
  },
});
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
// After a burst of writes, memory goes back to the system (src/heap-trimmer.ts).
const trimmer = new HeapTrimmer(operator.rest, memoryPressureCollect(), (t) =>
  log.info(
    { writes: t.writes, ms: Math.round(t.ms), rssBeforeMb: mb(t.rssBefore), rssAfterMb: mb(t.rssAfter) },
    'writes paused after a burst: heap trimmed',
  ),
);
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
  trimmer.stop();
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
    nodeFlags: process.execArgv,
    server: kubeConfig.getCurrentCluster()?.server,
    identity: operator.identity,
    metrics: options.metricsAddress === '0' ? 'off' : `${options.metricsAddress}/metrics`,
    probes: options.probeAddress === '0' ? 'off' : `${options.probeAddress}/healthz,/readyz`,
    settings: options,
  },
  `starting apptrust-operator ${VERSION}`,
);
trimmer.start();
await operator.start();
log.info('informers synced; ready');
