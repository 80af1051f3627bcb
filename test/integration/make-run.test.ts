// `make run` as a user types it: the CRD is installed on every start (also into a cluster that
// already answers), ARGS reach the operator, and a KUBECONFIG naming a missing file is refused.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const makeRun = (kubeconfig: string, args: string[] = []) =>
  spawnSync('make', ['--no-print-directory', 'run', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: kubeconfig },
    timeout: 110_000,
  });

it('installs the CRD into the answering cluster and passes ARGS to the operator', () => {
  const r = makeRun(process.env.APPTRUST_TEST_KUBECONFIG as string, ['ARGS=--version']);
  expect(r.stderr).not.toContain('Error');
  expect(r.stdout).toContain('using the cluster of your current kubeconfig');
  expect(r.stdout).toMatch(/CRDs( and namespace [a-z-]+)? installed into/);
  expect(r.stdout).toContain(`apptrust-operator ${VERSION}\n`);
  expect(r.status).toBe(0);
});

it('refuses a KUBECONFIG that names a missing file, saying so', () => {
  const r = makeRun('/nonexistent/kubeconfig');
  expect(r.stderr).toContain(
    'make run: KUBECONFIG names /nonexistent/kubeconfig, which does not exist (unset KUBECONFIG',
  );
  expect(r.stdout).not.toContain('starting the local control plane');
  expect(r.status).not.toBe(0);
});
