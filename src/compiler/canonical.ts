// Canonical form: object keys sorted at every depth, so equal objects serialize to equal bytes.

// On every render and status write: one keys array and the result per object, no entry pairs.
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value !== null && typeof value === 'object') {
    const source = value as Record<string, unknown>;
    const keys = Object.keys(source).sort(); // default sort: UTF-16 code units, as `<` compares
    const sorted: Record<string, unknown> = {};
    for (const key of keys) {
      const v = source[key];
      if (v === undefined) continue;
      // A key "__proto__" is data here, never the prototype (Object.fromEntries semantics).
      if (key === '__proto__')
        Object.defineProperty(sorted, key, {
          value: sortKeys(v),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else sorted[key] = sortKeys(v);
    }
    return sorted as T;
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
