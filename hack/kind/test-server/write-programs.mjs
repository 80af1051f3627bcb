// Writes the test-server image's programs from the one definition the tests use
// (test/helpers/probe-programs.ts, read with Node's type stripping): serve.js serves the ports given
// as arguments ("8080", "53/UDP"); probe.js HOST PORT [PROTOCOL [TIMEOUT_MS]] tries one fresh
// connection and exits 0 (connected), 1 (timeout: dropped) or 2 (error: rejected).
// Usage: node write-programs.mjs REPO_ROOT OUT_DIR
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, out] = process.argv.slice(2);
const programs = await import(pathToFileURL(join(root, 'test/helpers/probe-programs.ts')).href);
// The programs read their arguments as `node -e PROGRAM ARGS...` sees them (argv[1] onward): drop
// the script path a file-run program has in argv[1].
const asFile = (program) => `process.argv.splice(1, 1);\n${program}\n`;
writeFileSync(join(out, 'serve.js'), asFile(programs.SERVER_PROGRAM));
writeFileSync(join(out, 'probe.js'), asFile(programs.CLIENT_PROGRAM));
