// The image holds what main.ts and the CLI import, nothing else: no CRD/RBAC generator, no
// benchmark, no local-cluster tool (those live in hack/). The Dockerfile compiles
// tsconfig.build.json and copies its dist/; tsc lists what that build emits.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = process.cwd();
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

/** dist/ of the image: the sources the build compiles, as the .js files it writes. */
function imageDist(): string[] {
  const listed = execFileSync(TSC, ['-p', 'tsconfig.build.json', '--listFilesOnly'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return listed
    .split('\n')
    .filter((f) => f.endsWith('.ts') && !f.includes('/node_modules/'))
    .map((f) => `dist/${relative(join(ROOT, 'src'), f).replace(/\.ts$/, '.js')}`)
    .sort();
}

const TOOLS = /(^|\/)(bench|hack)\/|generate-|crd-yaml|rbac-yaml|crd-install|\/crd\.js$|kube\/rbac\.js$/;

describe('the image', () => {
  it('is built from tsconfig.build.json, whose entries are main.ts and the CLI', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^RUN npx tsc -p tsconfig\.build\.json$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/src\/dist \.\/dist$/m);
    const config = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8'));
    expect(config.files).toEqual(['src/main.ts', 'src/cli/bin.ts']);
    expect(config.include).toEqual([]);
  });

  it('holds the operator and the CLI, and no generator, benchmark or cluster tool', () => {
    const dist = imageDist();
    expect(dist).toEqual(
      expect.arrayContaining(['dist/main.js', 'dist/cli/bin.js', 'dist/controller/operator.js']),
    );
    expect(dist.filter((f) => TOOLS.test(f))).toEqual([]);
  });

  it('would notice a tool (the pattern matches what moved to hack/)', () => {
    for (const tool of [
      'dist/bench/render-bench.js',
      'dist/api/v1alpha1/generate-crd.js',
      'dist/kube/rbac-yaml.js',
    ])
      expect(TOOLS.test(tool)).toBe(true);
  });
});
