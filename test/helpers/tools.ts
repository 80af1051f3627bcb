// helm and kubectl for the manifest tests: the pinned copies `make tools` fetches
// (APPTRUST_TOOLS_DIR), else whatever is on PATH, else absent (the tests that need them skip).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findTool(name: 'helm' | 'kubectl'): string | undefined {
  const dir = process.env.APPTRUST_TOOLS_DIR;
  if (dir && existsSync(join(dir, name))) return join(dir, name);
  // An absolute path: callers may run it with a PATH of their own.
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, name))
    .find((candidate) => existsSync(candidate));
  if (!onPath) return undefined;
  const found = spawnSync(onPath, name === 'kubectl' ? ['version', '--client'] : ['version'], {
    stdio: 'ignore',
  });
  return found.status === 0 ? onPath : undefined;
}

/** Runs a tool and returns its stdout; throws with its stderr on failure. */
export function runTool(tool: string, args: string[], input?: string): string {
  return execFileSync(tool, args, {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    ...(input !== undefined ? { input } : {}),
  });
}
