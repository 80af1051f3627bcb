// One definition of the operator's V8 settings (src/node-flags.ts), applied by the program itself:
// nothing that starts it (the image, make run, the benchmark) may set other ones.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_NODE_FLAGS_GIVEN } from '../../../hack/bench/sides.js';
import { missingFlags, OPERATOR_NODE_FLAGS } from '../../../src/node-flags.js';
import { REPO_ROOT } from '../../cluster/repo.js';

it('the image, make run and the benchmark leave the V8 settings to the program', () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  expect(dockerfile).not.toMatch(/^ENV .*(NODE_OPTIONS|semi-space|old-space)/m);
  expect(dockerfile).toContain('ENTRYPOINT ["node", "dist/main.js"]');
  const makefile = readFileSync(join(REPO_ROOT, 'Makefile'), 'utf8');
  expect(makefile).toContain('exec node dist/main.js');
  expect(makefile).not.toMatch(/NODE_OPTIONS=\S*semi-space/);
  if (!process.env.BENCH_OPERATOR_NODE_FLAGS) expect(OPERATOR_NODE_FLAGS_GIVEN).toBe('');
});

it.each([
  [[], '', [...OPERATOR_NODE_FLAGS]],
  [['--max-semi-space-size=16'], '', []],
  [[], '--max-semi-space-size=8 --optimize-for-size', []],
  [['--optimize_for_size'], '--max_semi_space_size=8 --enable-source-maps', []],
  [['--max-semi-space-size=4'], '', []],
  [['--optimize-for-size'], '', [...OPERATOR_NODE_FLAGS]],
  [['--max-old-space-size=512'], '', [...OPERATOR_NODE_FLAGS]],
])('missing flags: argv %j, NODE_OPTIONS %j → %j', (argv, nodeOptions, missing) => {
  expect(missingFlags(argv, nodeOptions)).toEqual(missing);
});
