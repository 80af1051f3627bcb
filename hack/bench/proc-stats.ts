// What Linux reports about a child process: resident set size (now and peak) and CPU time. Read
// from /proc so the figures are the process's own, not the harness's.
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

function statusField(pid: number, field: string): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * 1024;
}

/** Resident set size in bytes. */
export const rssBytes = (pid: number) => statusField(pid, 'VmRSS');

/** Peak resident set size in bytes since the process started. */
export const peakRssBytes = (pid: number) => statusField(pid, 'VmHWM');

/** User + system CPU seconds used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** The 1-minute load average, to record how shared the machine was. */
export const loadAverage = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/**
 * Where a process's resident pages are, from /proc/<pid>/smaps: pages of the node binary and
 * shared libraries (file-backed: the same for every Node process), the malloc heap ([heap]) and
 * anonymous mappings (V8's heap, thread arenas, buffers).
 */
export function residentByMapping(pid: number): {
  binaryMb: number;
  libsMb: number;
  brkMb: number;
  anonMb: number;
} {
  const totals = { binary: 0, libs: 0, brk: 0, anon: 0 };
  let current: keyof typeof totals = 'anon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
    if (header) {
      const name = header[1] ?? '';
      current =
        name === '[heap]'
          ? 'brk'
          : name.endsWith('/node')
            ? 'binary'
            : name.startsWith('/')
              ? 'libs'
              : 'anon';
    } else if (line.startsWith('Rss:')) totals[current] += Number(line.split(/\s+/)[1]) * 1024;
  }
  return {
    binaryMb: mb(totals.binary),
    libsMb: mb(totals.libs),
    brkMb: mb(totals.brk),
    anonMb: mb(totals.anon),
  };
}
