// The benchmark must measure the operator as the image runs it: the same V8 flags.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_NODE_FLAGS } from '../../../hack/bench/sides.js';
import { REPO_ROOT } from '../../cluster/repo.js';

it('the image and the benchmark run the operator with the same node flags', () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  expect(dockerfile).toContain(`ENV NODE_OPTIONS=${IMAGE_NODE_FLAGS}\n`);
  expect(readFileSync(join(REPO_ROOT, 'Makefile'), 'utf8')).toContain(
    `NODE_OPTIONS=${IMAGE_NODE_FLAGS} exec node dist/main.js`,
  );
});
