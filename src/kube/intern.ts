// One shared copy of each short string the cached objects repeat. JSON.parse makes a new string for
// every value, so 60,000 cached policies each carry their own "networking.k8s.io/v1",
// "apptrust-operator", "AppTrustProfile", namespace names and label values: about a fifth of a
// cached policy's heap. Object keys are shared already (V8 internalizes property names).

/** Longer strings are rarely repeated (label values stop at 63 characters). */
const MAX_LENGTH = 64;
/** The table's bound: when full it starts afresh (strings already shared stay shared). */
export const MAX_INTERNED = 50_000;
/** Values unique to one object: interning them would only fill the table. */
const UNIQUE_FIELDS: ReadonlySet<string> = new Set(['uid', 'resourceVersion', 'creationTimestamp']);

const table = new Map<string, string>();

export function internString(value: string): string {
  if (value.length > MAX_LENGTH) return value;
  const shared = table.get(value);
  if (shared !== undefined) return shared;
  if (table.size >= MAX_INTERNED) table.clear();
  table.set(value, value);
  return value;
}

/** Interns the strings of one array, in place. */
function internArray(array: unknown[]): void {
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    if (typeof item === 'string') array[i] = internString(item);
    else internStrings(item);
  }
}

/**
 * Replaces, in place, every short string value in `value` (at any depth) with its shared copy, and
 * returns `value`. The values are equal before and after: only the memory behind them changes.
 */
export function internStrings<T>(value: T): T {
  if (Array.isArray(value)) internArray(value);
  else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      const item = object[key];
      if (typeof item !== 'string') internStrings(item);
      else if (!UNIQUE_FIELDS.has(key)) object[key] = internString(item);
    }
  }
  return value;
}

/** How many strings are shared now (for tests and the memory benchmark). */
export function internedCount(): number {
  return table.size;
}
