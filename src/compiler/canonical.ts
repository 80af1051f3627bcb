// Canonical form: object keys sorted at every depth, so equal objects serialize to equal bytes.

export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)])) as T;
  }
  return value;
}

/** A byte-stable text form of a value, used as a sort and dedupe key. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** Sorts and dedupes by canonical form. */
export function sortedUnique<T>(items: Iterable<T>): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(canonicalJson(item), item);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
}
