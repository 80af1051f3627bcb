import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../cluster/repo.js';

/** config/samples, whether this runs from test/helpers (Jest) or dist-test (make demo). */
export const SAMPLES_DIR = join(REPO_ROOT, 'config', 'samples');

/** The parsed profile of config/samples/NAME.yaml. */
export function loadSample(name: string): Record<string, unknown> {
  return parse(readFileSync(join(SAMPLES_DIR, `${name}.yaml`), 'utf8')) as Record<string, unknown>;
}
