// What the dataplane needs from the host, and the one way it runs host commands (ip, nft, socat).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a command; rejects with its stderr in the message. `input` goes to stdin. */
export async function run(command: string, args: string[], input?: string): Promise<string> {
  try {
    if (input === undefined) return (await execFileAsync(command, args, { encoding: 'utf8' })).stdout;
    return await new Promise((resolve, reject) => {
      const child = execFile(command, args, { encoding: 'utf8' }, (error, stdout, stderr) =>
        error ? reject(Object.assign(error, { stderr })) : resolve(stdout),
      );
      child.stdin?.end(input);
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`${command} ${args.join(' ')}: ${stderr || (error as Error).message}`);
  }
}

/** `ip -n NETNS -batch -`: many changes of one namespace in one process. */
export function ipBatch(netns: string, lines: string[]): Promise<string> {
  return run('ip', ['-n', netns, '-batch', '-'], `${lines.join('\n')}\n`);
}

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Commands the dataplane runs, with the Debian package that brings each. */
const NEEDED: Record<string, string> = {
  ip: 'iproute2',
  nft: 'nftables',
  socat: 'socat',
  go: 'golang (Go >= 1.23)',
};

/**
 * Why this host cannot run the dataplane tier, or undefined when it can. Checked: Linux, root,
 * the commands, and that a network namespace can actually be made (containers often forbid it).
 */
export function dataplaneUnsupportedReason(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, veth pairs, nftables)';
  const missing = Object.entries(NEEDED)
    .filter(([command]) => !has(command))
    .map(([command, pkg]) => `${command} (${pkg})`);
  if (missing.length > 0) return `missing commands: ${missing.join(', ')}`;
  try {
    execFileSync(
      'unshare',
      ['--net', 'ip', 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'],
      {
        stdio: 'ignore',
      },
    );
  } catch {
    return 'cannot create a network namespace with a veth pair here (unshare --net failed)';
  }
  if (!existsSync('/proc/sys/net/ipv4/ip_forward')) return 'no /proc/sys/net: no IPv4 forwarding control';
  return undefined;
}

/** True when the kernel has IPv6 (the tier then probes IPv6 too, and says so when it cannot). */
export function hostHasIpv6(): boolean {
  return existsSync('/proc/sys/net/ipv6');
}
