// How long each function of a source tree is, for the architecture test that keeps them short.
// A heuristic scanner, not a parser (no dependency, TypeScript 7 has no JS compiler API):
// - a function starts on a line that opens with a `function` declaration, a `const`/`let` bound to an
//   arrow or function expression, or a class member signature `name(...)` (not if/for/while/switch/
//   catch/return/new, nor a call statement ending in `;`);
// - its body is the first line after which the brace depth (counted at line ends) is deeper than before
//   the start line, and that line must end in `) {`, `): Type {` or `=> {` (else it was a call or an
//   object, not a function); its length runs from the start line to the line where the depth falls
//   back: a multi-line parameter list counts, from the signature to the closing brace, as a reader
//   sees it. Missed (too short to matter or rare): one-line functions, expression-bodied arrows
//   `=> ({ … })`, and a parameter list that opens an inline object type on its own line;
// - braces inside comments, '…' and "…" strings and template literals (across lines too, `${` counted
//   as code) are skipped. A regex literal with an unbalanced brace would fool it: src/ has none, and the
//   test's own cases check the scanner sees the known long function.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface FunctionLength {
  file: string;
  line: number;
  name: string;
  lines: number;
}

const START = [
  /^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\*?\s*([\w$]*)/,
  /^\s*(?:export\s+)?(?:const|let)\s+([\w$]+)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\(|[\w$]+\s*=>|<)/,
  /^\s*(?:(?:public|private|protected|static|readonly|override|async|get|set)\s+)*(?:\*\s*)?(#?[\w$]+)\s*(?:<[^>]*>)?\(/,
];
/** The line that opens a body: `) {`, `): Type {` or `=> {` at its end. */
const OPENS_BODY = /(?:\)(?:\s*:[^;]*)?|=>)\s*\{\s*$/;
const NOT_A_MEMBER = new Set([
  'if',
  'for',
  'while',
  'switch',
  'catch',
  'return',
  'new',
  'await',
  'throw',
  'super',
]);

/** Where the scanner is between characters: in code, a comment, a quoted string or a template. */
interface ScanState {
  blockComment: boolean;
  quote: string | null;
  templates: number[]; // per open template literal: the brace depth of its `${ … }` nesting (0: text)
}

/** Inside a comment, string or template text: how many characters to skip (they are not code). */
function skipNonCode(state: ScanState, c: string, next: string | undefined): number {
  if (state.blockComment) {
    if (c === '*' && next === '/') state.blockComment = false;
    return c === '*' && next === '/' ? 2 : 1;
  }
  if (state.quote) {
    if (c === state.quote) state.quote = null;
    return c === '\\' ? 2 : 1;
  }
  if (c === '`') state.templates.pop();
  else if (c === '$' && next === '{') {
    state.templates[state.templates.length - 1] = 1;
    return 2;
  }
  return c === '\\' ? 2 : 1;
}

/** In code: opens a comment, string or template (0: take the character as code), or -1 at `//`. */
function enterNonCode(state: ScanState, c: string, next: string | undefined): number {
  if (c === '/' && next === '/') return -1;
  if (c === '/' && next === '*') state.blockComment = true;
  else if (c === "'" || c === '"') state.quote = c;
  else if (c === '`') state.templates.push(0);
  else return 0;
  return c === '/' ? 2 : 1;
}

/** In a `${ … }`: a brace counts, except the one that closes the substitution (back to template text). */
function substitutionBrace(state: ScanState, c: string): boolean {
  const depth = (state.templates[state.templates.length - 1] as number) + (c === '{' ? 1 : -1);
  state.templates[state.templates.length - 1] = depth;
  return depth > 0;
}

function scanLine(state: ScanState, line: string): string {
  let code = '';
  for (let i = 0; i < line.length; ) {
    const c = line[i] as string;
    const next = line[i + 1];
    const inText = state.blockComment || state.quote !== null || state.templates.at(-1) === 0;
    if (inText) {
      i += skipNonCode(state, c, next);
      continue;
    }
    const skip = enterNonCode(state, c, next);
    if (skip < 0) break;
    i += skip || 1;
    if (skip > 0) continue;
    if (state.templates.length > 0 && (c === '{' || c === '}') && !substitutionBrace(state, c)) continue;
    code += c;
  }
  return code;
}

/** The code of each line with comments and the text of strings taken out (braces in them do not count). */
export function codeLines(text: string): string[] {
  const state: ScanState = { blockComment: false, quote: null, templates: [] };
  return text.split('\n').map((line) => scanLine(state, line));
}

function functionName(code: string): string | undefined {
  for (const pattern of START) {
    const m = pattern.exec(code);
    if (!m) continue;
    const name = m[1] || '(anonymous)';
    if (pattern === START[2] && NOT_A_MEMBER.has(name)) return undefined;
    return name;
  }
  return undefined;
}

/** Every function of one file's text whose body the scanner can close, with its length in lines. */
export function functionLengths(text: string, file = ''): FunctionLength[] {
  const code = codeLines(text);
  const depthAfter: number[] = [];
  let depth = 0;
  for (const line of code) {
    for (const c of line) depth += c === '{' ? 1 : c === '}' ? -1 : 0;
    depthAfter.push(depth);
  }
  const found: FunctionLength[] = [];
  code.forEach((line, start) => {
    const name = functionName(line);
    const end = name ? bodyEnd(code, depthAfter, start) : undefined;
    if (name && end !== undefined) found.push({ file, line: start + 1, name, lines: end - start + 1 });
  });
  return found;
}

/** The line whose end closes the body of the function starting at `start` (undefined: no body). */
function bodyEnd(code: string[], depthAfter: number[], start: number): number | undefined {
  const base = start === 0 ? 0 : (depthAfter[start - 1] as number);
  let deeper = false;
  for (let end = start; end < code.length; end++) {
    const text = code[end] as string;
    const d = depthAfter[end] as number;
    if (deeper && d <= base) return end;
    if (deeper) continue;
    if (d > base) {
      if (!OPENS_BODY.test(text)) return undefined; // an object or a call's argument, not a function body
      deeper = true;
    } else if (/[;}]\s*$/.test(text)) return undefined; // a signature without a body, or a one-line function
  }
  return undefined;
}

/** Every function of every .ts file under `root` (paths relative to it). */
export function treeFunctionLengths(root: string): FunctionLength[] {
  const base = resolve(root);
  const files = (readdirSync(base, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort();
  return files.flatMap((file) => functionLengths(readFileSync(join(base, file), 'utf8'), file));
}
