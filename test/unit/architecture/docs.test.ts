// docs/architecture.md names files and symbols; a move or rename that forgets the page fails here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = process.cwd();
const page = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
const quoted = [...page.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);
/** `src/...`, `test/...`, `hack/` and the like; templates such as `<name>-controller.ts` excepted. */
const paths = quoted.filter((q) => /^(src|test|hack|docs|config|crds)\//.test(q) && !q.includes('<'));
/** Identifiers such as `profileEventKeys` or `CONTROLLERS`. */
const symbols = quoted.filter((q) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(q) && /[A-Z]/.test(q));

const sources = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(join(ROOT, 'src', f), 'utf8'))
  .join('\n');

describe('docs/architecture.md', () => {
  it('names paths (and the check finds them)', () => {
    expect(paths.length).toBeGreaterThan(20);
    expect(paths).toContain('src/controller/operator.ts');
  });

  it.each(paths)('%s exists', (path) => {
    expect(existsSync(join(ROOT, path))).toBe(true);
  });

  it.each(symbols)('%s is declared in src/', (symbol) => {
    expect(sources).toMatch(new RegExp(`(const|function|class|interface|type) ${symbol}\\b`));
  });
});
