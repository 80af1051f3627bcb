import { stringify } from 'yaml';
import { formatDiagnostic, isProfileDocument, renderProfiles } from '../compiler/index.js';
import { type CliArgs, parseArgs, USAGE } from './args.js';
import { endpointInputsFor, servicesOf, unresolvedNote } from './endpoint-inputs.js';
import { runDiff, runExplain, type WorldReaders } from './explain.js';
import { loadSources } from './load.js';

/** Everything the CLI touches, so tests can run it in-process. */
export interface CliIo extends WorldReaders {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  version: string;
}

/** Runs `apptrust ARGS` and returns the exit code: 0 ok, 1 invalid input, 2 usage. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (parsed.kind === 'version') {
    io.stdout(`${io.version}\n`);
    return 0;
  }
  if (parsed.kind === 'usage') {
    io.stderr(`apptrust: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const { args } = parsed;
  if (args.command === 'explain' || args.command === 'diff') {
    const result = await (args.command === 'explain' ? runExplain(args, io) : runDiff(args, io));
    if (result.problems.length > 0) io.stderr(`${result.problems.join('\n')}\n`);
    else io.stdout(result.stdout);
    return result.code;
  }
  return renderOrValidate(args, io);
}

async function renderOrValidate(args: CliArgs, io: CliIo): Promise<number> {
  const loaded = loadSources(args.files, args.recursive, io.readStdin);
  const sources = loaded.documents
    .filter((d) => isProfileDocument(d.value))
    .map((d) => ({ source: d.file, value: d.value }));
  const services = servicesOf(
    loaded.documents.map((d) => d.value),
    args.namespace,
  );
  const { inputs, failures } = await endpointInputsFor(
    args,
    sources.map((s) => s.value),
    services,
  );
  const { results, policies } = renderProfiles(sources, {
    defaultNamespace: args.namespace,
    settings: args.settings,
    inputs,
  });

  const problems = loaded.problems.map((p) => `${p.file}: ${p.message}`);
  for (const r of results)
    for (const d of r.diagnostics)
      problems.push(`${r.source}: ${r.namespace}/${r.name}: ${formatDiagnostic(d)}`);
  if (problems.length === 0 && sources.length === 0)
    problems.push(`${args.files.join(', ')}: no AppTrustProfile found`);
  if (problems.length > 0) {
    io.stderr(`${problems.join('\n')}\n`);
    return 1;
  }
  if (args.command !== 'render') return 0;
  // The names a rendering could not use: reported, never silently rendered as nothing.
  const notes = results.flatMap((r) =>
    unresolvedNote(r.source, `${r.namespace}/${r.name}`, r.unresolved, failures),
  );
  if (notes.length > 0) io.stderr(`${notes.join('\n')}\n`);
  io.stdout(formatPolicies(policies, args.output));
  return 0;
}

function formatPolicies(policies: readonly object[], output: string): string {
  if (output === 'json')
    return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: policies }, null, 2)}\n`;
  return policies.map((p) => `---\n${stringify(p, { lineWidth: 0 })}`).join('');
}
