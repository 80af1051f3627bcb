import type { z } from 'zod';

/** One problem with an input, located by its field path (`spec.allow[0].to.component`). */
export interface Diagnostic {
  path: string;
  message: string;
}

/** Renders a zod path as Kubernetes users write field paths: dots for keys, [i] for indexes. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** JSON's name for a value's type, as the API server says it ("must be of type array: \"string\""). */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'required field is missing';
    return `must be of type ${issue.expected}: "${jsonType(issue.input)}"`;
  }
  return issue.message;
}

/** One diagnostic per issue; an unknown field at its own path, as kubectl's strict validation says it. */
function diagnosticsOf(issue: z.core.$ZodIssue): Diagnostic[] {
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
  return [{ path: formatPath(issue.path), message: messageOf(issue) }];
}

export function diagnosticsFromZod(issues: ReadonlyArray<z.core.$ZodIssue>): Diagnostic[] {
  // zod still runs length checks on a value of the wrong type ("isolate: Ingress" is a string of
  // 7 characters): past a type error at a path, other problems there are noise.
  const wrongType = new Set(issues.filter((i) => i.code === 'invalid_type').map((i) => formatPath(i.path)));
  const out = issues
    .filter((issue) => issue.code === 'invalid_type' || !wrongType.has(formatPath(issue.path)))
    .flatMap(diagnosticsOf);
  return sortDiagnostics(out);
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  // Stable, human order: by path as written (indexes compare numerically), then message.
  const key = (p: string) => p.replace(/\[(\d+)\]/g, (_, n: string) => `[${n.padStart(6, '0')}]`);
  const unique = new Map(list.map((d) => [`${d.path}\u0000${d.message}`, d]));
  return [...unique.values()].sort((a, b) =>
    key(a.path) === key(b.path) ? (a.message < b.message ? -1 : 1) : key(a.path) < key(b.path) ? -1 : 1,
  );
}

export function formatDiagnostic(d: Diagnostic): string {
  return d.path ? `${d.path}: ${d.message}` : d.message;
}
