// The longest functions of a tree, in lines (first to last line of the function, comments inside
// included): `node hack/function-lengths.mjs src [N]`. Parsed with swc (a dev dependency already
// used by Jest), so arrows, methods, getters and nested functions all count.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSync } from '@swc/core';

const FUNCTIONS = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ClassMethod',
  'PrivateMethod',
  'Constructor',
  'GetterProperty',
  'SetterProperty',
  'MethodProperty',
]);

export function functionLengths(file) {
  // swc's spans grow across calls: a leading `0;` marks where this file starts (same line numbers).
  const text = readFileSync(file, 'utf8').replace(/^#!/, '//');
  const bytes = Buffer.from(`0;${text}`);
  const module = parseSync(bytes.toString(), { syntax: 'typescript', target: 'es2023' });
  const base = module.body[0].span.start;
  const lineOf = (pos) =>
    bytes
      .subarray(0, pos - base)
      .toString()
      .split('\n').length;
  const found = [];
  const walk = (node, name) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) walk(child, name);
      return;
    }
    const here = node.key?.value ?? node.identifier?.value ?? node.id?.value ?? name;
    if (FUNCTIONS.has(node.type) && node.span) {
      const first = lineOf(node.span.start);
      found.push({
        file,
        name: here ?? '(anonymous)',
        line: first,
        lines: lineOf(node.span.end) - first + 1,
      });
    }
    for (const [key, value] of Object.entries(node)) if (key !== 'span') walk(value, here);
  };
  walk(module.body, undefined);
  return found;
}

export function treeLengths(root) {
  const files = readdirSync(root, { recursive: true })
    .filter((f) => f.endsWith('.ts'))
    .sort();
  return files.flatMap((f) => functionLengths(join(root, f))).sort((a, b) => b.lines - a.lines);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [root = 'src', most = '10'] = process.argv.slice(2);
  for (const f of treeLengths(root).slice(0, Number(most)))
    console.log(`${f.lines}\t${f.file}:${f.line}\t${f.name}`);
}
