#!/usr/bin/env node
// `apptrust` and `kubectl apptrust`: the compiler and the analysis from the command line.
import { readFileSync } from 'node:fs';
import { readClusterWorld } from './cluster.js';
import { runCli } from './run.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// `apptrust render ... | head` closes the pipe before the output ends: stop quietly, as a shell
// command does, instead of an unhandled EPIPE with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: () => readFileSync(0, 'utf8'),
  readCluster: readClusterWorld,
  version: pkg.version,
});
