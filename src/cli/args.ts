// Command-line parsing for `apptrust`. Usage errors are reported as data (exit code 2 upstream).

export type Command = 'render' | 'validate';

export interface CliArgs {
  command: Command;
  files: string[];
  namespace: string;
  output: 'yaml' | 'json';
  recursive: boolean;
}

export type ParsedArgs =
  | { kind: 'run'; args: CliArgs }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage'; error: string };

export const USAGE = `apptrust: render AppTrustProfiles into the NetworkPolicies the operator would apply

Usage:
  apptrust render   -f PATH [-f PATH...] [-n NAMESPACE] [-o yaml|json] [-R]
  apptrust validate -f PATH [-f PATH...] [-n NAMESPACE] [-R]

PATH is a file, a directory (its *.yaml, *.yml and *.json files) or - for stdin.
  -f, --filename    input (repeatable)
  -n, --namespace   namespace for profiles that name none (default "default")
  -o, --output      yaml (default: multi-document) or json (a List)
  -R, --recursive   also read the sub-directories of directories
  -h, --help        this help
      --version     print the version

Exit codes: 0 ok, 1 invalid input (problems on stderr as FILE: NAMESPACE/NAME: FIELD: message), 2 usage error.
`;

const VALUE_FLAGS: Record<string, 'files' | 'namespace' | 'output'> = {
  '-f': 'files',
  '--filename': 'files',
  '-n': 'namespace',
  '--namespace': 'namespace',
  '-o': 'output',
  '--output': 'output',
};

/** Splits `--flag=value` into its parts; other arguments come back whole. */
function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function setValue(args: CliArgs, field: 'files' | 'namespace' | 'output', value: string): string | undefined {
  if (field === 'files') args.files.push(value);
  else if (field === 'namespace') args.namespace = value;
  else if (value === 'yaml' || value === 'json') args.output = value;
  else return `--output must be yaml or json, not "${value}"`;
  return undefined;
}

function parseFlags(command: Command, rest: string[]): ParsedArgs {
  const args: CliArgs = { command, files: [], namespace: 'default', output: 'yaml', recursive: false };
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = splitInline(rest[i] as string);
    if (flag === '-h' || flag === '--help') return { kind: 'help' };
    if (flag === '-R' || flag === '--recursive') {
      args.recursive = true;
      continue;
    }
    const field = VALUE_FLAGS[flag];
    if (!field) return { kind: 'usage', error: `unknown flag "${rest[i]}"` };
    if (field === 'output' && command === 'validate')
      return { kind: 'usage', error: 'validate prints nothing on success; -o applies to render only' };
    const value = inline ?? rest[++i];
    if (value === undefined || (value.startsWith('-') && value !== '-'))
      return { kind: 'usage', error: `${flag} needs a value` };
    const error = setValue(args, field, value);
    if (error) return { kind: 'usage', error };
  }
  if (args.files.length === 0) return { kind: 'usage', error: 'at least one -f PATH is required' };
  return { kind: 'run', args };
}

export function parseArgs(argv: string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help')
    return { kind: 'help' };
  if (command === '--version' || command === 'version') return { kind: 'version' };
  if (command !== 'render' && command !== 'validate')
    return { kind: 'usage', error: `unknown command "${command}"` };
  return parseFlags(command, rest);
}
