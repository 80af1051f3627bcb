import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples');

/** The parsed profile of examples/NAME.yaml. */
export function loadExample(name: string): Record<string, unknown> {
  return parse(readFileSync(join(EXAMPLES_DIR, `${name}.yaml`), 'utf8')) as Record<string, unknown>;
}
