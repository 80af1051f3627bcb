// Prints the closing line CI recognises, "N passed, N failed, N skipped", summed over Jest JSON
// result files (missing files are skipped); exits 1 when a file records failures, a suite that
// could not run, or no tests at all. Used by .ci/run and `make test-dataplane`.
import { existsSync, readFileSync } from 'node:fs';

const files = process.argv.slice(2).filter((f) => existsSync(f));
let passed = 0;
let failed = 0;
let skipped = 0;
let broken = files.length === 0;
for (const file of files) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  if (r.numTotalTests === 0 || r.numRuntimeErrorTestSuites > 0 || r.numFailedTests > 0) broken = true;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (broken) process.exitCode = 1;
