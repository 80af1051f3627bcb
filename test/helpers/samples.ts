import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const SAMPLES_DIR = join(import.meta.dirname, '..', '..', 'config', 'samples');

/** The parsed profile of config/samples/NAME.yaml. */
export function loadSample(name: string): Record<string, unknown> {
  return parse(readFileSync(join(SAMPLES_DIR, `${name}.yaml`), 'utf8')) as Record<string, unknown>;
}
