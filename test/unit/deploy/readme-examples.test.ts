// The CLI examples in the docs are the real commands' output: every ```console block whose command
// runs apptrust (`apptrust`, `npx apptrust`, `kubectl apptrust`) is run through the real binary
// (dist/cli/bin.js, from `make build`) with the same arguments, from the repository root, and what
// it prints (stdout, then stderr) must equal the block's lines after the command, byte for byte.
// Shorter examples come from shorter commands, never from hand-shortened output.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const DOCS = ['README.md', 'docs/explain-and-diff.md'];
const CLI_COMMAND = /^\$ (?:npx apptrust|kubectl apptrust|apptrust)(?: (.*))?$/;
// Anything a shell would interpret: an example must be one plain command, so the test runs exactly it.
const SHELL_SYNTAX = /[|&;<>()$`\\"'*?#~{}[\]]/;

interface Example {
  where: string;
  args: string[];
  expected: string;
}

interface Block {
  where: string;
  lang: string;
  lines: string[];
}

function blocksOf(doc: string): Block[] {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const blocks: Block[] = [];
  let open: Block | undefined;
  lines.forEach((line, i) => {
    if (open === undefined) {
      const fence = /^```(\S*)\s*$/.exec(line);
      if (fence) open = { where: `${doc}:${i + 1}`, lang: fence[1] ?? '', lines: [] };
    } else if (line === '```') {
      blocks.push(open);
      open = undefined;
    } else open.lines.push(line);
  });
  return blocks;
}

const problems: string[] = [];
const examples: Example[] = [];
for (const doc of DOCS)
  for (const block of blocksOf(doc)) {
    const command = CLI_COMMAND.exec(block.lines[0] ?? '');
    if (!command) continue;
    const rest = command[1] ?? '';
    if (block.lang !== 'console')
      problems.push(`${block.where}: an apptrust example must be a console block`);
    else if (SHELL_SYNTAX.test(rest)) problems.push(`${block.where}: not one plain command: ${rest}`);
    else if (block.lines.slice(1).some((l) => l.startsWith('$ ')))
      problems.push(`${block.where}: one command per block (its output follows it)`);
    else {
      const output = block.lines.slice(1);
      examples.push({
        where: block.where,
        args: rest.split(' ').filter((a) => a !== ''),
        expected: output.length > 0 ? `${output.join('\n')}\n` : '',
      });
    }
  }

function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newestSource(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

it('every apptrust example is a console block with one plain command and its output', () => {
  expect(problems).toEqual([]);
  // The README shows render; the explain/diff guide shows both of its commands.
  expect(examples.filter((e) => e.where.startsWith('README.md')).length).toBeGreaterThanOrEqual(1);
  expect(examples.filter((e) => e.where.startsWith('docs/')).length).toBeGreaterThanOrEqual(2);
});

it('dist/ is built from the current sources (make build)', () => {
  expect(statSync(BIN).mtimeMs).toBeGreaterThanOrEqual(newestSource(join(ROOT, 'src')));
});

it.each(examples.map((e) => [e.where, e] as const))('%s prints what the real command prints', (_, e) => {
  const run = spawnSync(process.execPath, [BIN, ...e.args], { cwd: ROOT, encoding: 'utf8' });
  expect(run.error).toBeUndefined();
  expect(run.stdout + run.stderr).toBe(e.expected);
});
