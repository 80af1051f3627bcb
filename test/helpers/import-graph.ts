// The relative-import graph of a source tree (type-only imports included: a cycle of types is still
// a cycle a reader has to untangle), for the architecture tests. A tiny walk, no dependency.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;

/** Every .ts file under `root`, as paths relative to it, mapped to the files it imports. */
export function importGraph(root: string): Map<string, string[]> {
  const base = resolve(root);
  const files = (readdirSync(base, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort();
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(base, file), 'utf8');
    const deps = [...text.matchAll(IMPORT)].map((m) => {
      const spec = (m[1] ?? m[2]) as string;
      return relative(base, resolve(base, dirname(file), spec.replace(/\.js$/, '.ts')));
    });
    graph.set(file, [...new Set(deps)]);
  }
  return graph;
}

/** The cycles a depth-first walk finds, each as the chain of files from a file back to itself. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === 'open') cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

/** Every file reachable from `entries` (the closure of their imports). */
export function reachable(
  graph: ReadonlyMap<string, readonly string[]>,
  entries: readonly string[],
): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...(graph.get(file) ?? []));
  }
  return seen;
}
