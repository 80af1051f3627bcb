// The V8 settings the operator runs with, applied by the program itself so that `node dist/main.js`,
// the npm-installed package and the image behave alike. Heap sizes cannot change once V8 has set up
// its heap (v8.setFlagsFromString('--max-semi-space-size=2') at start-up leaves the young generation
// at its default, measured), so a process started without them replaces itself with one started with
// them (process.execve: same pid, nothing left behind) before anything else is loaded.
//
// Why 16 MB semi-spaces: half of V8's own default here (32 MB, which V8 derives from the memory
// it sees), stated so that every way of starting the operator gets the same. Until this round the
// operator ran with 2 MB semi-spaces and --optimize-for-size to hold its heap small; measured at
// 1,000 profiles, that cost ~45 % more CPU on the cold start (4.8 s against 3.3 s), CPU that the
// API server needs on a small control plane. Memory now goes back after a burst instead
// (src/heap-trimmer.ts): RSS growth over the empty operator +6 to +8 MB at 1,000 profiles, against
// +22 MB with the old flags. main.ts applies them before it loads the rest of the operator.
import { basename } from 'node:path';

export const OPERATOR_NODE_FLAGS = ['--max-semi-space-size=16'] as const;

/** Marks a process already replaced once: never loop, whatever the flags ended up being. */
const APPLIED = 'APPTRUST_NODE_FLAGS_APPLIED';

const flagName = (flag: string) => flag.split('=')[0] as string;

/** The flags neither the command line nor NODE_OPTIONS sets (a value set there wins). */
export function missingFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].map(flagName).map((f) => f.replaceAll('_', '-'));
  return OPERATOR_NODE_FLAGS.filter((flag) => !given.includes(flagName(flag)));
}

/** Replaces this process with one started with the missing flags (returns when none are missing). */
export function applyNodeFlags(): void {
  if (process.env[APPLIED] || typeof process.execve !== 'function') return;
  const missing = missingFlags(process.execArgv, process.env.NODE_OPTIONS);
  if (missing.length === 0) return;
  // Only when started as the program (node dist/main.js), not when imported by a test or a tool.
  const script = process.argv[1];
  if (!script || !basename(script).startsWith('main.')) return;
  if (process.argv.some((a) => a === '--version' || a === '--help' || a === '-h')) return;
  process.execve(
    process.execPath,
    [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)],
    {
      ...process.env,
      [APPLIED]: '1',
    },
  );
}
