// Operator settings from flags (--kebab-case=value) and environment (APPTRUST_SNAKE_CASE), parsed
// with zod. Flags win over the environment.
import { z } from 'zod';
import { parseAddress } from './bind-address.js';
import type { CompilerSettings } from './compiler/index.js';
import type { EvidenceLimits } from './controller/audit-evidence.js';
import { DNS_OPTIONS, dnsCompilerSettings } from './dns-settings.js';
import { FQDN_OPTIONS, type FqdnSettings, fqdnSettings } from './fqdn-settings.js';
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

/** ":8080", "127.0.0.1:8080", "[::1]:8080" or "0" (off). */
const bindAddress = z.string().superRefine((text, ctx) => {
  try {
    parseAddress(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
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
  ...DNS_OPTIONS,
  ...FQDN_OPTIONS,
  'audit-evidence': [
    bool.default(true),
    'Audit profiles report the live flows enforcing would change (watches pods; false: no pods RBAC or informer)',
  ],
  'audit-max-cells': [
    int(1).default(2_000_000),
    'flows (from, to, port) one Audit evaluation judges at most',
  ],
  'audit-max-time': [duration.prefault('15s'), 'wall-clock budget of one Audit evaluation'],
  concurrency: [int(1).default(32), 'reconciles in parallel per controller'],
  'kube-api-qps': [
    int(0).default(1000),
    'client-side rate limit of Kubernetes API requests per second (token bucket; 0: none)',
  ],
  'kube-api-burst': [int(1).default(2000), 'requests the rate limiter lets through at once'],
  'resync-period': [int(0).default(36_000), 'seconds between full re-queues of every profile (0: never)'],
  'metrics-bind-address': [
    bindAddress.default(':8080'),
    'address of /metrics: :PORT (every interface), 127.0.0.1:PORT (loopback only), 0 (off)',
  ],
  'metrics-secure': [
    bool.default(true),
    'only callers whose bearer token the API server accepts (TokenReview) and authorizes to get /metrics (SubjectAccessReview) read it',
  ],
  'metrics-cert-dir': [
    z.string().default(''),
    'directory with tls.crt and tls.key: serve /metrics over HTTPS (default: HTTP)',
  ],
  'health-probe-bind-address': [
    bindAddress.default(':8081'),
    'address of /healthz and /readyz: :PORT, 127.0.0.1:PORT, 0 (off)',
  ],
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
  'log-format': [
    z.enum(['text', 'json']).optional(),
    'text (one readable line per record) or json (default: text when stdout is a terminal, else json)',
  ],
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
  /** Resolution of spec.allow[].to.fqdn names. */
  fqdn: FqdnSettings;
  auditEvidence: boolean;
  /** Caps of one Audit evaluation (a status message says when one is reached). */
  auditLimits: EvidenceLimits;
  concurrency: number;
  kubeApiQps: number;
  kubeApiBurst: number;
  resyncPeriodMs: number;
  metricsAddress: string;
  metricsSecure: boolean;
  metricsCertDir: string;
  probeAddress: string;
  leaderElect: boolean;
  leaderTimings: LeaderTimings;
  leaseName: string;
  leaseNamespace: string;
  operatorNamespace: string;
  logLevel: string;
  logFormat: 'text' | 'json' | undefined;
}

export const envName = (option: string) => `APPTRUST_${option.toUpperCase().replace(/-/g, '_')}`;

export function helpText(): string {
  const lines = Object.entries(OPTIONS).map(
    ([name, [, help]]) => `  --${name.padEnd(28)} ${help} [${envName(name)}]`,
  );
  return `apptrust-operator: reconciles AppTrustProfiles into NetworkPolicies\n\nUsage: node dist/main.js [--option=value ...] | --version | --help\n\n${lines.join('\n')}\n`;
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
    compiler: dnsCompilerSettings(o),
    fqdn: fqdnSettings(raw),
    auditEvidence: o['audit-evidence'],
    auditLimits: { maxCells: o['audit-max-cells'], maxTimeMs: o['audit-max-time'] },
    concurrency: o.concurrency,
    kubeApiQps: o['kube-api-qps'],
    kubeApiBurst: o['kube-api-burst'],
    resyncPeriodMs: o['resync-period'] * 1000,
    metricsAddress: o['metrics-bind-address'],
    metricsSecure: o['metrics-secure'],
    metricsCertDir: o['metrics-cert-dir'],
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
    logFormat: o['log-format'],
  };
}
