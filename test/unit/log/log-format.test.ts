import { pino } from 'pino';
import { parseOptions } from '../../../src/config.js';
import { formatTextLine, resolveLogFormat, textDestination } from '../../../src/log-format.js';

describe('log format', () => {
  it('is text at a terminal and JSON elsewhere unless a format is asked for', () => {
    expect(resolveLogFormat(undefined, true)).toBe('text');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('text', false)).toBe('text');
  });

  it('reads --log-format and APPTRUST_LOG_FORMAT, and refuses other values', () => {
    expect(parseOptions([], {}).logFormat).toBeUndefined();
    expect(parseOptions(['--log-format=json'], {}).logFormat).toBe('json');
    expect(parseOptions([], { APPTRUST_LOG_FORMAT: 'text' }).logFormat).toBe('text');
    expect(() => parseOptions(['--log-format=yaml'], {})).toThrow(/--log-format/);
  });

  it('writes a pino record as time, level, message and key=value fields', () => {
    const lines: string[] = [];
    const log = pino(
      { base: { component: 'apptrust-operator' }, timestamp: () => ',"time":0' },
      textDestination({ write: (s: string) => lines.push(s) }),
    );
    log.warn({ namespace: 'shop', count: 2, reason: 'two words' }, 'profile skipped');
    expect(lines).toEqual(['00:00:00.000 WARN  profile skipped namespace=shop count=2 reason="two words"\n']);
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatTextLine('plain')).toBe('plain\n');
  });
});
