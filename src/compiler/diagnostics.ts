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

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'required field is missing';
  return issue.message;
}

export function diagnosticsFromZod(issues: ReadonlyArray<z.core.$ZodIssue>): Diagnostic[] {
  const out = issues.map((issue) => ({ path: formatPath(issue.path), message: messageOf(issue) }));
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
