// ipBlock membership: inside `cidr` and outside every `except`. Parsed blocks are cached: a matrix asks
// the same few blocks about every pod.
import { type Cidr, parseCidr } from '../api/v1alpha1/index.js';

const blocks = new Map<string, Cidr | undefined>();

function parsed(text: string): Cidr | undefined {
  if (!blocks.has(text)) blocks.set(text, parseCidr(text));
  return blocks.get(text);
}

function hostOf(ip: string): Cidr | undefined {
  return parsed(`${ip}/${ip.includes(':') ? 128 : 32}`);
}

function inside(host: Cidr, block: Cidr | undefined): boolean {
  if (!block || block.family !== host.family) return false;
  const shift = BigInt((block.family === 4 ? 32 : 128) - block.prefixLength);
  return host.network >> shift === block.network >> shift;
}

export function ipInBlock(ip: string, cidr: string, except: readonly string[] = []): boolean {
  const host = hostOf(ip);
  if (!host) return false;
  return inside(host, parsed(cidr)) && !except.some((e) => inside(host, parsed(e)));
}
