// The operator as a child process (node dist/main.js), with its output collected for assertions.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

/** Rebuilds dist/ so the process runs the sources under test, not a stale build. */
export function buildDist(): void {
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT });
}

export interface OperatorProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function startOperatorProcess(args: string[], env: NodeJS.ProcessEnv): OperatorProcess {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}
