// Command-line parsing for `apptrust`. Usage errors are reported as data (exit code 2 upstream).

import { isIP } from 'node:net';
import type { PortProtocol } from '../analysis/index.js';
import type { CompilerSettings } from '../compiler/index.js';
import { DNS_OPTION_NAMES, type DnsOptionName, dnsCompilerSettings } from '../dns-settings.js';

export type Command = 'render' | 'validate' | 'explain' | 'diff';

export interface CliArgs {
  command: Command;
  files: string[];
  namespace: string;
  output: string;
  recursive: boolean;
  settings: CompilerSettings;
  /** explain/diff: read the live cluster (explain: as the world; diff: as the old side). */
  cluster: boolean;
  baseline: boolean;
  from?: string;
  to?: string;
  ports: PortProtocol[];
  externals: string[];
  oldFiles: string[];
  newFiles: string[];
  exitCode: boolean;
  /** --fqdn NAME=ADDR[,ADDR]: what DNS names resolve to, for reproducible output. */
  fqdn: Map<string, string[]>;
  /** --resolve: ask the DNS server (--fqdn-resolver, default the host's) for names not given. */
  resolve: boolean;
  fqdnResolver?: string;
}

export type ParsedArgs =
  | { kind: 'run'; args: CliArgs }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage'; error: string };

export const USAGE = `apptrust: render AppTrustProfiles into the NetworkPolicies the operator would apply, and see
what a world of profiles, policies, namespaces and pods allows before you apply it

Usage:
  apptrust render   -f PATH [-f PATH...] [-n NAMESPACE] [-o yaml|json] [-R] [DNS flags]
  apptrust validate -f PATH [-f PATH...] [-n NAMESPACE] [-R] [DNS flags]
  apptrust explain  (-f PATH... | --cluster) [--baseline] [--from NS/POD|IP] [--to NS/POD|IP]
                    [--port PORT[/PROTO]...] [--external IP...] [-o text|json|markdown|mermaid|dot|svg]
  apptrust diff     (--old PATH... | --old-cluster) --new PATH... [-f PATH...] [--baseline]
                    [--port PORT[/PROTO]...] [--external IP...] [-o text|json|markdown] [--exit-code]

PATH is a file, a directory (its *.yaml, *.yml and *.json files) or - for stdin. explain and diff
read AppTrustProfiles (rendered on the fly), NetworkPolicies, Namespaces and Pods (and Lists of them).
  -f, --filename     input (repeatable); for diff, input common to both sides
  -n, --namespace    namespace for objects that name none (default "default")
  -o, --output       output format (render: yaml or json; explain: text, json, markdown, mermaid,
                     dot or svg; diff: text, json or markdown)
  -R, --recursive    also read the sub-directories of directories
      --cluster      explain: read the world live from the current kubeconfig (read-only)
      --old-cluster  diff: the live cluster is the old side; the new side is it with --new applied
      --old, --new   diff: the two versions (repeatable)
      --baseline     add the deny-all baseline to every namespace the operator's default scope covers
      --from, --to   one endpoint each: NS/POD or an IP; both = one verdict with its reasons
      --port         ports to evaluate (repeatable, default: the ports the pods declare)
      --external     an address outside the cluster to include (repeatable)
      --exit-code    diff: exit 1 when flows change
      --dns-namespace, --dns-pod-labels, --dns-ports   the operator's cluster DNS settings
      --fqdn NAME=ADDR[,ADDR]   what a to.fqdn name resolves to (repeatable); without it or
                     --resolve, no ipBlock is rendered for the name and a note says so
      --resolve      resolve to.fqdn names not given with --fqdn (A and AAAA)
      --fqdn-resolver HOST:PORT   the DNS server --resolve asks (default: the first nameserver
                     of /etc/resolv.conf)
Services named by {service: NAME} endpoints are read from the same -f inputs.
  -h, --help         this help
      --version      print the version

Exit codes: 0 ok, 1 invalid input (problems on stderr as FILE: NAMESPACE/NAME: FIELD: message) or,
with --exit-code, flows changed; 2 usage error.
`;

type Field =
  | 'files'
  | 'namespace'
  | 'output'
  | 'from'
  | 'to'
  | 'port'
  | 'external'
  | 'old'
  | 'new'
  | 'fqdn'
  | 'fqdnResolver'
  | DnsOptionName;
type Switch = 'recursive' | 'cluster' | 'baseline' | 'exitCode' | 'resolve';

const VALUE_FLAGS: Record<string, Field> = {
  '-f': 'files',
  '--filename': 'files',
  '-n': 'namespace',
  '--namespace': 'namespace',
  '-o': 'output',
  '--output': 'output',
  '--from': 'from',
  '--to': 'to',
  '--port': 'port',
  '--external': 'external',
  '--old': 'old',
  '--new': 'new',
  '--fqdn': 'fqdn',
  '--fqdn-resolver': 'fqdnResolver',
  ...Object.fromEntries(DNS_OPTION_NAMES.map((n) => [`--${n}`, n])),
};
const SWITCHES: Record<string, Switch> = {
  '-R': 'recursive',
  '--recursive': 'recursive',
  '--cluster': 'cluster',
  '--old-cluster': 'cluster',
  '--baseline': 'baseline',
  '--exit-code': 'exitCode',
  '--resolve': 'resolve',
};

const DNS: readonly Field[] = [...DNS_OPTION_NAMES, 'fqdn', 'fqdnResolver'];
/** Which flags each command takes. */
const ACCEPTS: Record<Command, { values: readonly Field[]; switches: readonly string[]; outputs: string[] }> =
  {
    render: {
      values: ['files', 'namespace', 'output', ...DNS],
      switches: ['-R', '--recursive', '--resolve'],
      outputs: ['yaml', 'json'],
    },
    validate: {
      values: ['files', 'namespace', ...DNS],
      switches: ['-R', '--recursive', '--resolve'],
      outputs: [],
    },
    explain: {
      values: ['files', 'namespace', 'output', 'from', 'to', 'port', 'external', ...DNS],
      switches: ['-R', '--recursive', '--cluster', '--baseline', '--resolve'],
      outputs: ['text', 'json', 'markdown', 'mermaid', 'dot', 'svg'],
    },
    diff: {
      values: ['files', 'namespace', 'output', 'port', 'external', 'old', 'new', ...DNS],
      switches: ['-R', '--recursive', '--old-cluster', '--baseline', '--exit-code', '--resolve'],
      outputs: ['text', 'json', 'markdown'],
    },
  };

const PORT = /^(\d{1,5})(?:\/(TCP|UDP|SCTP))?$/i;

function parsePort(text: string): PortProtocol | string {
  const m = text.match(PORT);
  const port = Number(m?.[1]);
  if (!m || port < 1 || port > 65535)
    return `--port must be PORT or PORT/PROTO (TCP, UDP, SCTP), not "${text}"`;
  return { port, protocol: (m[2]?.toUpperCase() ?? 'TCP') as PortProtocol['protocol'] };
}

/** Splits `--flag=value` into its parts; other arguments come back whole. */
function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

interface Collected {
  args: CliArgs;
  dns: Partial<Record<DnsOptionName, string>>;
}

function setValue(c: Collected, field: Field, value: string, outputs: string[]): string | undefined {
  const { args } = c;
  switch (field) {
    case 'files':
      args.files.push(value);
      break;
    case 'old':
      args.oldFiles.push(value);
      break;
    case 'new':
      args.newFiles.push(value);
      break;
    case 'namespace':
      args.namespace = value;
      break;
    case 'from':
      args.from = value;
      break;
    case 'to':
      args.to = value;
      break;
    case 'external':
      args.externals.push(value);
      break;
    case 'port': {
      const port = parsePort(value);
      if (typeof port === 'string') return port;
      args.ports.push(port);
      break;
    }
    case 'output':
      if (!outputs.includes(value)) return `--output must be ${outputs.join(', ')}; not "${value}"`;
      args.output = value;
      break;
    case 'fqdn':
      return addFqdn(args.fqdn, value);
    case 'fqdnResolver':
      args.fqdnResolver = value;
      break;
    default:
      c.dns[field] = value;
  }
  return undefined;
}

const FQDN_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** --fqdn NAME=ADDR[,ADDR]: repeatable; a name given twice gets the addresses of both. */
function addFqdn(into: Map<string, string[]>, value: string): string | undefined {
  const eq = value.indexOf('=');
  const name = value.slice(0, eq);
  const addresses = value
    .slice(eq + 1)
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (eq < 1 || !FQDN_NAME.test(name) || addresses.length === 0)
    return `--fqdn must be NAME=ADDR[,ADDR] with an exact lowercase DNS name, not "${value}"`;
  const bad = addresses.find((a) => isIP(a) === 0);
  if (bad) return `--fqdn ${name}: "${bad}" is not an IPv4 or IPv6 address`;
  into.set(name, [...new Set([...(into.get(name) ?? []), ...addresses])]);
  return undefined;
}

function checkRequired(args: CliArgs): string | undefined {
  if (args.command === 'diff') {
    if (args.newFiles.length === 0) return 'diff needs --new PATH';
    if (args.oldFiles.length === 0 && !args.cluster) return 'diff needs --old PATH or --old-cluster';
    if (args.oldFiles.length > 0 && args.cluster) return '--old and --old-cluster exclude each other';
    return undefined;
  }
  if (args.files.length === 0 && !args.cluster)
    return args.command === 'explain'
      ? 'explain needs -f PATH or --cluster'
      : 'at least one -f PATH is required';
  return undefined;
}

function newArgs(command: Command): CliArgs {
  return {
    command,
    files: [],
    namespace: 'default',
    output: ACCEPTS[command].outputs[0] ?? 'yaml',
    recursive: false,
    settings: dnsCompilerSettings({}),
    cluster: false,
    baseline: false,
    ports: [],
    externals: [],
    oldFiles: [],
    newFiles: [],
    exitCode: false,
    fqdn: new Map(),
    resolve: false,
  };
}

/** Reads the flag at rest[i]; returns the index of the next flag, or a usage error. */
function readFlag(c: Collected, rest: string[], i: number): number | string {
  const { command } = c.args;
  const accepts = ACCEPTS[command];
  const [flag, inline] = splitInline(rest[i] as string);
  const toggle = SWITCHES[flag];
  if (toggle) {
    if (!accepts.switches.includes(flag)) return `${command} does not take ${flag}`;
    c.args[toggle] = true;
    return i + 1;
  }
  const field = VALUE_FLAGS[flag];
  if (!field) return `unknown flag "${rest[i]}"`;
  if (!accepts.values.includes(field))
    return field === 'output'
      ? 'validate prints nothing on success; -o applies to render only'
      : `${command} does not take ${flag}`;
  const value = inline ?? rest[i + 1];
  if (value === undefined || (value.startsWith('-') && value !== '-')) return `${flag} needs a value`;
  return setValue(c, field, value, accepts.outputs) ?? (inline === undefined ? i + 2 : i + 1);
}

function parseFlags(command: Command, rest: string[]): ParsedArgs {
  if (rest.some((a) => a === '-h' || a === '--help')) return { kind: 'help' };
  const collected: Collected = { args: newArgs(command), dns: {} };
  for (let i = 0; i < rest.length; ) {
    const next = readFlag(collected, rest, i);
    if (typeof next === 'string') return { kind: 'usage', error: next };
    i = next;
  }
  const { args } = collected;
  const missing = checkRequired(args);
  if (missing) return { kind: 'usage', error: missing };
  try {
    args.settings = dnsCompilerSettings(collected.dns);
  } catch (error) {
    return { kind: 'usage', error: (error as Error).message };
  }
  return { kind: 'run', args };
}

export function parseArgs(argv: string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help')
    return { kind: 'help' };
  if (command === '--version' || command === 'version') return { kind: 'version' };
  if (!(command in ACCEPTS)) return { kind: 'usage', error: `unknown command "${command}"` };
  return parseFlags(command as Command, rest);
}
