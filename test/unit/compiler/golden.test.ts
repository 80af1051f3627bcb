// Golden files: the exact bytes users will see in `apptrust render` and in the cluster. Refresh
// with UPDATE_GOLDEN=1 after an intended change, and review the diff.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { renderProfile } from '../../../src/compiler/index.js';
import { loadSample } from '../../helpers/samples.js';
import { SCENARIOS } from '../../helpers/scenarios.js';

const GOLDEN_DIR = join(import.meta.dirname, 'golden');

it.each(SCENARIOS.map((s) => s.example))('%s renders its golden output byte for byte', (example) => {
  const text = renderProfile(loadSample(example))
    .policies.map((p) => `---\n${stringify(p, { lineWidth: 0 })}`)
    .join('');
  const file = join(GOLDEN_DIR, `${example}.yaml`);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  if (!existsSync(file)) throw new Error(`missing golden ${file}: run with UPDATE_GOLDEN=1 and review it`);
  expect(text).toBe(readFileSync(file, 'utf8'));
});
