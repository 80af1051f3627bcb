// `make test`: after Jest, list every skipped test with its reason (from test-results/jest.json).
// A reason is in the title of the skipped block ("[skipped: ...]", test/helpers/skip.ts).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const results = JSON.parse(readFileSync(process.argv[2] ?? 'test-results/jest.json', 'utf8'));
const skipped = results.testResults.flatMap((file) =>
  file.assertionResults
    .filter((t) => t.status === 'pending' || t.status === 'todo')
    .map((t) => ({
      file: relative(process.cwd(), file.name),
      name: [...t.ancestorTitles, t.title].join(' › '),
    })),
);
const reasonOf = (name) =>
  name
    .match(/\[skipped: ([^\]]+)\]|\(skipped: ([^)]+)\)/)
    ?.slice(1)
    .find(Boolean);
const byReason = new Map();
for (const t of skipped) {
  const reason = reasonOf(t.name) ?? 'no reason given in the test title';
  byReason.set(reason, [...(byReason.get(reason) ?? []), t]);
}
if (skipped.length > 0) console.log(`\n${skipped.length} skipped:`);
for (const [reason, tests] of byReason) {
  console.log(`  ${reason}: ${tests.length} test(s)`);
  for (const t of tests) console.log(`    ${t.file}: ${t.name.replace(/ \[skipped: [^\]]+\]/, '')}`);
}
