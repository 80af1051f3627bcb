// Functions in src/ stay under 60 lines: a longer one is several steps that want names (issue 21).
// The lengths come from a brace-matching scanner (test/helpers/function-lengths.ts, its heuristic is
// described there): a function runs from its signature's first line to its closing brace.
import { functionLengths, treeFunctionLengths } from '../../helpers/function-lengths.js';

const LIMIT = 60;

/** A function `name` of `bodyLines` statement lines, with a multi-line parameter list. */
const longFunction = (name: string, bodyLines: number) =>
  [
    `export async function ${name}(`,
    '  a: string,',
    '  b: { c: number },',
    '): Promise<void> {',
    ...Array.from({ length: bodyLines }, (_, i) => `  if (a === '${i}') { console.log(\`{\${b.c}\`); } // {`),
    '}',
  ].join('\n');

describe('functions in src/', () => {
  const all = treeFunctionLengths('src');

  it(`are all shorter than ${LIMIT} lines`, () => {
    const long = all
      .filter((f) => f.lines >= LIMIT)
      .map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`);
    expect(long).toEqual([]);
  });

  it('are found by the scanner (a scanner that sees none would pass anything)', () => {
    expect(all.length).toBeGreaterThan(300);
    const watch = all.find((f) => f.file === 'kube/watch-stream.ts' && f.name === 'watchStream');
    expect(watch?.lines).toBeGreaterThan(20);
  });
});

describe('the function-length scanner', () => {
  it('counts from the signature to the closing brace, past braces in strings, templates and comments', () => {
    expect(functionLengths(longFunction('f', 3))).toEqual([{ file: '', line: 1, name: 'f', lines: 8 }]);
  });

  it(`reports a function of ${LIMIT} lines`, () => {
    const [found] = functionLengths(longFunction('tooLong', LIMIT - 5));
    expect(found?.lines).toBe(LIMIT);
  });

  it('sees arrows, methods and nested functions, and no calls or objects', () => {
    const text = [
      'export const arrow = async (x: number) => {',
      '  const inner = () => {',
      '    return x;',
      '  };',
      '  call(x, {',
      '    a: 1,',
      '  });',
      '  return inner();',
      '};',
      'class C {',
      '  private method(y: string): string {',
      '    return y;',
      '  }',
      '}',
    ].join('\n');
    expect(functionLengths(text).map((f) => [f.name, f.line, f.lines])).toEqual([
      ['arrow', 1, 9],
      ['inner', 2, 3],
      ['method', 11, 3],
    ]);
  });
});
