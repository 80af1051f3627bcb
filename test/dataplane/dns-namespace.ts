// A DNS server in a network namespace of its own (test/dataplane/dns-server.ts, answers from a file
// the test rewrites), reached by the operator (in the root namespace) over one veth pair with a
// link-local /30: the only link into the root namespace, and only to our own server. The namespace
// carries the run's prefix, so the dataplane teardown removes it (and the veth) after a killed run.
import { type ChildProcess, spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../cluster/repo.js';
import type { DnsAnswers } from './dns-server.js';
import { ipBatch, run } from './host.js';
import { deleteNamespace } from './network.js';
import { runIdentity } from './state.js';

const HOST_SIDE = '169.254.53.1';
const SERVER = '169.254.53.2';

export interface DnsNamespace {
  /** HOST:PORT for --fqdn-resolver. */
  server: string;
  setAnswers(answers: DnsAnswers): void;
  stop(): Promise<void>;
}

export async function startDnsNamespace(stateDir: string, answers: DnsAnswers): Promise<DnsNamespace> {
  const { prefix, id } = runIdentity(stateDir);
  const netns = `${prefix}dns`;
  const hostIf = `at${id}d`;
  const file = join(stateDir, 'dns-answers.json');
  // Read on every query; a rename makes each change atomic.
  const setAnswers = (a: DnsAnswers) => {
    writeFileSync(`${file}.tmp`, JSON.stringify(a));
    renameSync(`${file}.tmp`, file);
  };
  setAnswers(answers);
  await deleteNamespace(netns).catch(() => undefined); // a killed earlier run
  await run('ip', ['netns', 'add', netns]);
  await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await run('ip', ['address', 'add', `${HOST_SIDE}/30`, 'dev', hostIf]);
  await run('ip', ['link', 'set', hostIf, 'up']);
  await ipBatch(netns, ['link set lo up', `address add ${SERVER}/30 dev eth0`, 'link set eth0 up']);
  // The compiled server (make build): Jest runs this file from its TypeScript source.
  const script = join(REPO_ROOT, 'dist-test', 'test', 'dataplane', 'dns-server.js');
  const child: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', netns, process.execPath, script, file, SERVER, '53'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`dns server exited (${code})`)));
  });
  return {
    server: `${SERVER}:53`,
    setAnswers,
    async stop() {
      child.kill('SIGTERM');
      await deleteNamespace(netns); // the veth pair goes with it
    },
  };
}
