// Log line formats. JSON (pino's own lines) is what log collectors read: the default in the image,
// where stdout is a pipe. A person at a terminal gets one short line per record instead, as
// controller-runtime's development encoder gives: time, level, message, then the fields as key=value.
import type { DestinationStream } from 'pino';

export type LogFormat = 'text' | 'json';

/** text at a terminal, json everywhere else, unless a format was asked for. */
export function resolveLogFormat(asked: LogFormat | undefined, stdoutIsTTY: boolean): LogFormat {
  return asked ?? (stdoutIsTTY ? 'text' : 'json');
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
// Fields every record carries or that the line already shows.
const SHOWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'component']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v && typeof v === 'object' && 'stack' in v && typeof v.stack === 'string') return `\n${v.stack}`;
  return JSON.stringify(v);
}

/** One pino JSON line as "HH:MM:SS.mmm LEVEL message key=value ...". */
export function formatTextLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json);
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const level = (LEVELS[record.level as number] ?? String(record.level)).padEnd(5);
  const fields = Object.entries(record)
    .filter(([k]) => !SHOWN.has(k))
    .map(([k, v]) => `${k}=${value(v)}`);
  return `${[time, level, String(record.msg ?? ''), ...fields].filter((s) => s !== '').join(' ')}\n`;
}

/** A pino destination writing text lines to a stream (stdout by default). */
export function textDestination(out: { write(s: string): unknown } = process.stdout): DestinationStream {
  return { write: (line: string) => void out.write(formatTextLine(line)) };
}
