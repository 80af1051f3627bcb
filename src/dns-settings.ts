// The cluster DNS settings (--dns-namespace, --dns-pod-labels, --dns-ports): one definition for the
// operator's flags and the CLI's, so `apptrust render` shows what the operator applies (OpenShift's
// DNS differs from kube-dns).
import { z } from 'zod';
import type { CompilerSettings, PolicyPort, Protocol } from './compiler/index.js';

/** Option name → [zod schema with its default, help text]. */
export const DNS_OPTIONS = {
  'dns-namespace': [z.string().default('kube-system'), 'namespace of the cluster DNS pods'],
  'dns-pod-labels': [z.string().default('k8s-app=kube-dns'), 'labels of the cluster DNS pods (k=v,k=v)'],
  'dns-ports': [z.string().default('UDP/53,TCP/53'), 'DNS ports as PROTO/PORT,...'],
} as const;

export type DnsOptionName = keyof typeof DNS_OPTIONS;
export const DNS_OPTION_NAMES = Object.keys(DNS_OPTIONS) as DnsOptionName[];

/** "UDP/53,TCP/53" → ports; throws an Error naming the option on a bad entry. */
export function parseDnsPorts(text: string): PolicyPort[] {
  return text.split(',').map((entry) => {
    const [protocol, port] = entry.trim().split('/');
    if (!['TCP', 'UDP', 'SCTP'].includes(protocol ?? '') || !/^\d+$/.test(port ?? ''))
      throw new Error(`--dns-ports: bad entry "${entry}" (want PROTO/PORT)`);
    return { protocol: protocol as Protocol, port: Number(port) };
  });
}

/** "k=v,k=v" → labels; throws an Error naming the option on a bad entry. */
export function parseDnsPodLabels(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const [k, v] = pair.split('=');
      if (!k || v === undefined) throw new Error(`--dns-pod-labels: bad entry "${pair}" (want key=value)`);
      return [k.trim(), v.trim()];
    }),
  );
}

/** The compiler settings for the given option values (undefined = the option's default). */
export function dnsCompilerSettings(values: Partial<Record<DnsOptionName, string>>): CompilerSettings {
  const value = (name: DnsOptionName): string => DNS_OPTIONS[name][0].parse(values[name]);
  return {
    dnsPeer: {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': value('dns-namespace') } },
      podSelector: { matchLabels: parseDnsPodLabels(value('dns-pod-labels')) },
    },
    dnsPorts: parseDnsPorts(value('dns-ports')),
  };
}
