// `apptrust explain` and `apptrust diff`: read the world(s), ask the analysis, print in the asked format.
import {
  diffWorlds,
  type External,
  type MatrixOptions,
  reachabilityMatrix,
  type World,
} from '../analysis/index.js';
import { fqdnNamesOf } from '../compiler/index.js';
import type { CliArgs } from './args.js';
import { endpointInputsFor } from './endpoint-inputs.js';
import { loadSources } from './load.js';
import { dotGraph, mermaidGraph } from './output/graph.js';
import { diffJson, reachabilityJson } from './output/json.js';
import { diffMarkdown, reachabilityMarkdown } from './output/markdown.js';
import { svgGraph } from './output/svg.js';
import { diffText, matrixText, verdictText } from './output/text.js';
import { buildWorld } from './world.js';
import { emptyInput, type WorldInput, worldInputOf } from './world-input.js';

/** What a command produced: output for stdout, problems for stderr, and the exit code. */
export interface CommandResult {
  stdout: string;
  problems: string[];
  code: number;
}

export interface WorldReaders {
  readStdin: () => string;
  readCluster: (defaultNamespace: string) => Promise<WorldInput>;
}

const isIp = (text: string) => /^[\d.]+$/.test(text) || text.includes(':');

function readFiles(paths: string[], args: CliArgs, readers: WorldReaders): WorldInput {
  if (paths.length === 0) return emptyInput();
  const loaded = loadSources(paths, args.recursive, readers.readStdin);
  const input = worldInputOf(loaded.documents, args.namespace);
  input.problems.unshift(...loaded.problems.map((p) => `${p.file}: ${p.message}`));
  return input;
}

function merge(a: WorldInput, b: WorldInput): WorldInput {
  return {
    profiles: [...a.profiles, ...b.profiles],
    policies: [...a.policies, ...b.policies],
    namespaces: [...a.namespaces, ...b.namespaces],
    pods: [...a.pods, ...b.pods],
    services: [...a.services, ...b.services],
    problems: [...a.problems, ...b.problems],
  };
}

/** --external, --from/--to addresses, and every address a DNS name of the profiles resolved to. */
function externalsOf(args: CliArgs, world?: World): External[] {
  const ips = [
    ...args.externals,
    ...[args.from, args.to].filter((e): e is string => e !== undefined && isIp(e)),
  ];
  const named = new Map<string, string>();
  for (const p of world?.profiles ?? [])
    for (const name of fqdnNamesOf(p))
      for (const ip of world?.inputs?.fqdn?.get(name) ?? []) named.set(ip, name);
  const plain = ips.filter((ip) => !named.has(ip)).map((ip) => ({ ip }));
  return [...plain, ...[...named].map(([ip, name]) => ({ ip, name }))];
}

/** --from/--to name pods (one verdict per port) or workloads (rows of the matrix). */
function matrixOptions(world: World, args: CliArgs): MatrixOptions | string {
  const options: MatrixOptions = { externals: externalsOf(args, world) };
  if (args.ports.length > 0) options.ports = args.ports;
  const named = [args.from, args.to].filter((e): e is string => e !== undefined && !isIp(e));
  const pods = new Set(world.pods.map((p) => `${p.namespace}/${p.name}`));
  if (named.length > 0 && named.every((n) => pods.has(n))) options.groupBy = 'pod';
  if (args.from !== undefined) options.from = [args.from];
  if (args.to !== undefined) options.to = [args.to];
  const known = new Set(reachabilityMatrix(world, { ...options, from: [], to: [] }).nodes.map((n) => n.name));
  for (const [flag, name] of [
    ['--from', args.from],
    ['--to', args.to],
  ] as const)
    if (name !== undefined && !known.has(name))
      return `${flag}: no pod, workload or address "${name}" in the world`;
  return options;
}

/** The live world, or the reason it could not be read (unreachable, forbidden, no kubeconfig). */
async function readLive(args: CliArgs, readers: WorldReaders): Promise<WorldInput | undefined | string> {
  if (!args.cluster) return undefined;
  try {
    return await readers.readCluster(args.namespace);
  } catch (error) {
    return `apptrust: cluster: ${(error as Error).message}`;
  }
}

async function readWorld(files: WorldInput, live: WorldInput | undefined, args: CliArgs) {
  const services = new Map(
    [...(live?.services ?? []), ...files.services].map((s) => [
      `${s.metadata.namespace ?? args.namespace}/${s.metadata.name}`,
      s,
    ]),
  );
  const profiles = [...(live?.profiles ?? []), ...files.profiles].map((p) => p.value);
  const { inputs } = await endpointInputsFor(args, profiles, services);
  return buildWorld(files, live, {
    settings: args.settings,
    defaultNamespace: args.namespace,
    baseline: args.baseline,
    inputs,
  });
}

export async function runExplain(args: CliArgs, readers: WorldReaders): Promise<CommandResult> {
  const files = readFiles(args.files, args, readers);
  const live = await readLive(args, readers);
  if (typeof live === 'string') return { stdout: '', problems: [live], code: 1 };
  const { world, problems } = await readWorld(files, live, args);
  if (problems.length > 0) return { stdout: '', problems, code: 1 };
  const options = matrixOptions(world, args);
  if (typeof options === 'string') return { stdout: '', problems: [options], code: 1 };
  const matrix = reachabilityMatrix(world, options);
  const verdict = args.from !== undefined && args.to !== undefined;
  switch (args.output) {
    case 'json':
      return { stdout: reachabilityJson(matrix.items), problems: [], code: 0 };
    case 'markdown':
      return { stdout: reachabilityMarkdown(matrix.items), problems: [], code: 0 };
    case 'mermaid':
      return { stdout: mermaidGraph(matrix), problems: [], code: 0 };
    case 'dot':
      return { stdout: dotGraph(matrix), problems: [], code: 0 };
    case 'svg':
      return { stdout: await svgGraph(matrix), problems: [], code: 0 };
    default:
      return { stdout: verdict ? verdictText(matrix.items) : matrixText(matrix), problems: [], code: 0 };
  }
}

export async function runDiff(args: CliArgs, readers: WorldReaders): Promise<CommandResult> {
  const common = readFiles(args.files, args, readers);
  const live = await readLive(args, readers);
  if (typeof live === 'string') return { stdout: '', problems: [live], code: 1 };
  const before = await readWorld(merge(common, readFiles(args.oldFiles, args, readers)), live, args);
  const after = await readWorld(merge(common, readFiles(args.newFiles, args, readers)), live, args);
  const problems = [...new Set([...before.problems, ...after.problems])];
  if (problems.length > 0) return { stdout: '', problems, code: 1 };
  const options: MatrixOptions = {
    externals: [...externalsOf(args, before.world), ...externalsOf(args, after.world)],
  };
  if (args.ports.length > 0) options.ports = args.ports;
  const changes = diffWorlds(before.world, after.world, options);
  const stdout =
    args.output === 'json'
      ? diffJson(changes)
      : args.output === 'markdown'
        ? diffMarkdown(changes)
        : diffText(changes);
  return { stdout, problems: [], code: args.exitCode && changes.length > 0 ? 1 : 0 };
}
