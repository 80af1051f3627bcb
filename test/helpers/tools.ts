// helm and kubectl for the manifest tests: the pinned copies `make tools` fetches
// (APPTRUST_TOOLS_DIR), else whatever is on PATH, else absent (the tests that need them skip).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function findTool(name: 'helm' | 'kubectl'): string | undefined {
  const dir = process.env.APPTRUST_TOOLS_DIR;
  if (dir && existsSync(join(dir, name))) return join(dir, name);
  const found = spawnSync(name, name === 'kubectl' ? ['version', '--client'] : ['version'], {
    stdio: 'ignore',
  });
  return found.status === 0 ? name : undefined;
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
