// Server-side request counts: kube-apiserver's apiserver_request_total, summed by verb and
// resource. Counted at the server, so both sides are measured the same way whatever their client
// counts; the controller manager's own requests show in both alike.
import type { KubeConfig } from '@kubernetes/client-node';
import { getText } from './kube-stream.js';

/** "VERB resource[/subresource]" → requests. */
export type RequestCounts = Record<string, number>;

/**
 * The resources the operator and the floor touch. Leases are left out: the benchmark runs the
 * operator without leader election, and kube-apiserver renews its own identity Lease every 10 s.
 */
const OURS = new Set(['networkpolicies', 'apptrustprofiles', 'namespaces', 'events']);
const READS = new Set(['GET', 'LIST', 'WATCH', 'WATCHLIST', 'CONNECT']);

const LINE = /^apiserver_request_total\{([^}]*)\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/;

export function parseRequestCounts(text: string): RequestCounts {
  const counts: RequestCounts = {};
  for (const line of text.split('\n')) {
    const match = line.match(LINE);
    if (!match) continue;
    const labels = Object.fromEntries(
      [...(match[1] as string).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (!OURS.has(labels.resource ?? '')) continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    counts[key] = (counts[key] ?? 0) + Number(match[2]);
  }
  return counts;
}

export async function requestCounts(kubeConfig: KubeConfig): Promise<RequestCounts> {
  const { status, text } = await getText(kubeConfig, '/metrics');
  if (status !== 200) throw new Error(`kube-apiserver /metrics answered ${status}`);
  return parseRequestCounts(text);
}

/** after − before, keeping only non-zero entries. */
export function difference(before: RequestCounts, after: RequestCounts): RequestCounts {
  const diff: RequestCounts = {};
  for (const [key, value] of Object.entries(after)) {
    const d = value - (before[key] ?? 0);
    if (d !== 0) diff[key] = d;
  }
  return diff;
}

export const isWrite = (key: string) => !READS.has(key.split(' ')[0] as string);

export function total(counts: RequestCounts, filter: (key: string) => boolean = () => true): number {
  return Object.entries(counts)
    .filter(([key]) => filter(key))
    .reduce((sum, [, n]) => sum + n, 0);
}
