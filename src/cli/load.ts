// Reads profile documents from files, directories and stdin. I/O lives here; the compiler is pure.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type DocumentOptions, type ParseOptions, parseAllDocuments, type SchemaOptions } from 'yaml';

/** One document of an input, with where it came from for error lines. */
export interface SourceDocument {
  file: string;
  value: unknown;
}

export interface LoadProblem {
  file: string;
  message: string;
}

export interface LoadResult {
  documents: SourceDocument[];
  problems: LoadProblem[];
}

// Read as kubectl does (YAML 1.1: yes/on → true, 0755 octal; no timestamps, no base-60 numbers).
const KUBECTL_YAML: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: (tags) =>
    tags.filter(
      (t) => typeof t !== 'object' || (t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME'),
    ),
};
const MANIFEST = /\.(ya?ml|json)$/i;
export const STDIN_NAME = '<stdin>';

function filesOf(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && recursive) out.push(...filesOf(path, recursive));
    else if (entry.isFile() && MANIFEST.test(entry.name)) out.push(path);
  }
  return out;
}

/**
 * Items of a typed list (PodList, as the API server returns it) carry no apiVersion and kind: they
 * are the list's, without "List". Items of a plain `kind: List` (kubectl's) carry their own.
 */
function typedItem(apiVersion: unknown, kind: string, item: unknown): unknown {
  if (kind === 'List' || typeof item !== 'object' || item === null) return item;
  return { apiVersion, kind: kind.slice(0, -'List'.length), ...item };
}

/** Splits a text into documents; `kind: List` (and `kind: PodList`, ...) objects are expanded into their items. */
export function parseDocuments(file: string, text: string): LoadResult {
  const documents: SourceDocument[] = [];
  const problems: LoadProblem[] = [];
  for (const doc of parseAllDocuments(text, KUBECTL_YAML)) {
    const error = doc.errors[0];
    if (error) {
      problems.push({ file, message: `invalid YAML/JSON: ${error.message.split('\n')[0]}` });
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const list = value as { apiVersion?: unknown; kind?: unknown; items?: unknown };
    if (typeof list.kind === 'string' && list.kind.endsWith('List') && Array.isArray(list.items)) {
      for (const item of list.items)
        documents.push({ file, value: typedItem(list.apiVersion, list.kind, item) });
    } else {
      documents.push({ file, value });
    }
  }
  return { documents, problems };
}

export function loadSources(paths: string[], recursive: boolean, readStdin: () => string): LoadResult {
  const result: LoadResult = { documents: [], problems: [] };
  const add = (file: string, text: string) => {
    const parsed = parseDocuments(file, text);
    result.documents.push(...parsed.documents);
    result.problems.push(...parsed.problems);
  };
  for (const path of paths) {
    if (path === '-') {
      add(STDIN_NAME, readStdin());
      continue;
    }
    try {
      const files = statSync(path).isDirectory() ? filesOf(path, recursive) : [path];
      for (const file of files) add(file, readFileSync(file, 'utf8'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      result.problems.push({
        file: path,
        message: code === 'ENOENT' ? 'no such file or directory' : String(error),
      });
    }
  }
  return result;
}
