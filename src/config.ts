// Operator settings from flags (--kebab-case=value) and environment (APPTRUST_SNAKE_CASE), parsed
// with zod. Flags win over the environment.
import { z } from 'zod';
import type { CompilerSettings, PolicyPort, Protocol } from './compiler/index.js';
import type { LeaderTimings } from './kube/leader.js';

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number) => z.coerce.number().int().min(min);
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
/** A duration as client-go flags take it ("15s", "500ms", "1m"), in milliseconds. */
const DURATION = /^(\d+)(ms|s|m)$/;
const duration = z
  .string()
  .regex(DURATION, 'want a duration such as 15s, 500ms or 1m')
  .transform((text) => {
    const [, amount, unit] = text.match(DURATION) as RegExpMatchArray;
    return Number(amount) * (UNIT_MS[unit as string] as number);
  });

const OPTIONS = {
  'watch-namespaces': [
    list.default([]),
    'comma-separated namespaces to reconcile profiles in (default: all)',
  ],
  baseline: [
    bool.default(true),
    'put the deny-all baseline policy into every namespace in scope; false removes every baseline the operator created',
  ],
  'baseline-existing': [
    bool.default(false),
    'also put it into namespaces created before the baseline was first enabled (default: only those labelled apptrust.dev/baseline=enabled)',
  ],
  'baseline-exclude': [
    list.default([]),
    'comma-separated namespaces without a baseline (kube-system, kube-public, kube-node-lease and the operator namespace always are)',
  ],
  'baseline-allow-dns': [bool.default(false), 'let the baseline allow DNS egress to the cluster DNS'],
  'dns-namespace': [z.string().default('kube-system'), 'namespace of the cluster DNS pods'],
  'dns-pod-labels': [z.string().default('k8s-app=kube-dns'), 'labels of the cluster DNS pods (k=v,k=v)'],
  'dns-ports': [z.string().default('UDP/53,TCP/53'), 'DNS ports as PROTO/PORT,...'],
  concurrency: [int(1).default(4), 'reconciles in parallel per controller'],
  'resync-period': [int(0).default(36_000), 'seconds between full re-queues of every profile (0: never)'],
  'metrics-bind-address': [z.string().default(':8080'), 'address of /metrics (0 disables)'],
  'health-probe-bind-address': [z.string().default(':8081'), 'address of /healthz and /readyz (0 disables)'],
  'leader-elect': [
    bool.default(true),
    'elect a leader with a coordination.k8s.io Lease; only the leader writes',
  ],
  'leader-elect-lease-duration': [duration.prefault('15s'), 'how long a lease is valid without renewal'],
  'leader-elect-renew-deadline': [duration.prefault('10s'), 'how long the leader keeps trying to renew'],
  'leader-elect-retry-period': [duration.prefault('2s'), 'how often candidates try to acquire or renew'],
  'lease-name': [z.string().default('apptrust-operator'), 'name of the leader election Lease'],
  'lease-namespace': [z.string().optional(), 'namespace of the Lease (default: the operator namespace)'],
  'operator-namespace': [
    z.string().default('apptrust-system'),
    'namespace the operator runs in (env POD_NAMESPACE)',
  ],
  'log-level': [z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'), 'log level'],
} as const;

type OptionName = keyof typeof OPTIONS;
const shape = Object.fromEntries(Object.entries(OPTIONS).map(([k, [schema]]) => [k, schema])) as {
  [K in OptionName]: (typeof OPTIONS)[K][0];
};
const OptionsSchema = z.strictObject(shape);

export interface OperatorOptions {
  watchNamespaces: string[];
  baseline: boolean;
  baselineExisting: boolean;
  baselineExclude: string[];
  baselineAllowDNS: boolean;
  compiler: CompilerSettings;
  concurrency: number;
  resyncPeriodMs: number;
  metricsAddress: string;
  probeAddress: string;
  leaderElect: boolean;
  leaderTimings: LeaderTimings;
  leaseName: string;
  leaseNamespace: string;
  operatorNamespace: string;
  logLevel: string;
}

export const envName = (option: string) => `APPTRUST_${option.toUpperCase().replace(/-/g, '_')}`;

export function helpText(): string {
  const lines = Object.entries(OPTIONS).map(
    ([name, [, help]]) => `  --${name.padEnd(28)} ${help} [${envName(name)}]`,
  );
  return `apptrust-operator: reconciles AppTrustProfiles into NetworkPolicies\n\nUsage: node dist/main.js [--option=value ...]\n\n${lines.join('\n')}\n`;
}

function parsePorts(text: string): PolicyPort[] {
  return text.split(',').map((entry) => {
    const [protocol, port] = entry.trim().split('/');
    if (!['TCP', 'UDP', 'SCTP'].includes(protocol ?? '') || !/^\d+$/.test(port ?? ''))
      throw new Error(`--dns-ports: bad entry "${entry}" (want PROTO/PORT)`);
    return { protocol: protocol as Protocol, port: Number(port) };
  });
}

function parseLabels(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const [k, v] = pair.split('=');
      if (!k || v === undefined) throw new Error(`--dns-pod-labels: bad entry "${pair}" (want key=value)`);
      return [k.trim(), v.trim()];
    }),
  );
}

/** client-go's rule: lease duration > renew deadline > retry period x 1.2 (its jitter). */
function leaderTimings(
  leaseDurationMs: number,
  renewDeadlineMs: number,
  retryPeriodMs: number,
): LeaderTimings {
  if (leaseDurationMs <= renewDeadlineMs)
    throw new Error('--leader-elect-lease-duration: must be longer than --leader-elect-renew-deadline');
  if (renewDeadlineMs <= retryPeriodMs * 1.2)
    throw new Error('--leader-elect-renew-deadline: must be longer than 1.2 x --leader-elect-retry-period');
  return { leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}

/** Parses argv and env; throws an Error naming the option on bad input. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): OperatorOptions {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(OPTIONS)) {
    const fromEnv = env[envName(name)];
    if (fromEnv !== undefined) raw[name] = fromEnv;
  }
  if (env.POD_NAMESPACE && raw['operator-namespace'] === undefined)
    raw['operator-namespace'] = env.POD_NAMESPACE;
  for (const arg of argv) {
    const match = arg.match(/^--([a-z-]+)(?:=(.*))?$/);
    if (!match?.[1]) throw new Error(`unexpected argument "${arg}" (try --help)`);
    raw[match[1]] = match[2] ?? 'true';
  }
  const parsed = OptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path[0] ?? (issue?.code === 'unrecognized_keys' ? issue.keys[0] : '');
    throw new Error(
      `--${String(name)}: ${issue?.code === 'unrecognized_keys' ? 'unknown option' : issue?.message}`,
    );
  }
  const o = parsed.data;
  return {
    watchNamespaces: o['watch-namespaces'],
    baseline: o.baseline,
    baselineExisting: o['baseline-existing'],
    baselineExclude: o['baseline-exclude'],
    baselineAllowDNS: o['baseline-allow-dns'],
    compiler: {
      dnsPeer: {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': o['dns-namespace'] } },
        podSelector: { matchLabels: parseLabels(o['dns-pod-labels']) },
      },
      dnsPorts: parsePorts(o['dns-ports']),
    },
    concurrency: o.concurrency,
    resyncPeriodMs: o['resync-period'] * 1000,
    metricsAddress: o['metrics-bind-address'],
    probeAddress: o['health-probe-bind-address'],
    leaderElect: o['leader-elect'],
    leaderTimings: leaderTimings(
      o['leader-elect-lease-duration'],
      o['leader-elect-renew-deadline'],
      o['leader-elect-retry-period'],
    ),
    leaseName: o['lease-name'],
    leaseNamespace: o['lease-namespace'] ?? o['operator-namespace'],
    operatorNamespace: o['operator-namespace'],
    logLevel: o['log-level'],
  };
}
