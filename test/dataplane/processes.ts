// Stopping the run's own processes by pid, and only them: a recorded pid is signalled only while
// its command line still shows the program we started (pids are reused after a reboot or a crash).
import { readFileSync } from 'node:fs';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * Sends `signal` to `pid` if its command line contains `mark`, waits up to `graceMs` for it to exit,
 * then kills it. Returns true when a process was stopped.
 */
export async function stopProcess(
  pid: number,
  mark: string,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5_000,
): Promise<boolean> {
  if (!alive(pid) || !commandLine(pid).includes(mark)) return false;
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}
