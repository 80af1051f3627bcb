import { join } from 'node:path';

/** The repository root, whether this runs from test/cluster (Jest) or dist-test/test/cluster (make). */
export const REPO_ROOT = join(
  import.meta.dirname,
  '..',
  '..',
  ...(import.meta.dirname.includes('dist-test') ? ['..'] : []),
);
