// A describe that is skipped with its reason in its title, so the reason reaches Jest's JSON
// results and `make test` prints it (test/skip-report.mjs) instead of a bare "7 skipped".
type Describe = (name: string, fn: () => void) => void;

export function describeIf(ready: unknown, reason: string): Describe {
  return ready ? describe : (name, fn) => describe.skip(`${name} [skipped: ${reason}]`, fn);
}
