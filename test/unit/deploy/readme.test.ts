// The README's examples are what users copy first: the full profile there must be valid, and the
// commands it names must exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateProfile } from '../../../src/compiler/index.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

it('the full AppTrustProfile example in the API section is valid', () => {
  const section = README.slice(README.indexOf('## The API'));
  const yaml = section.slice(
    section.indexOf('```yaml\n') + 8,
    section.indexOf('```', section.indexOf('```yaml\n') + 8),
  );
  const result = validateProfile(parse(yaml));
  expect(result).toMatchObject({ ok: true });
});

it('every make target the README names exists in the Makefile', () => {
  const makefile = readFileSync(join(ROOT, 'Makefile'), 'utf8');
  const targets = new Set([...makefile.matchAll(/^([a-z0-9-]+):/gm)].map((m) => m[1]));
  const named = [...README.matchAll(/`make ([a-z0-9-]+)/g)].map((m) => m[1]);
  expect(named.length).toBeGreaterThan(5);
  expect(named.filter((t) => !targets.has(t))).toEqual([]);
});
