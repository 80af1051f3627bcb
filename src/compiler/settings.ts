import type { PolicyPeer, PolicyPort } from './networkpolicy.js';

/** Operator-level settings the compiler needs. The DNS peer differs per distribution (OpenShift). */
export interface CompilerSettings {
  dnsPeer: PolicyPeer;
  dnsPorts: PolicyPort[];
}

export const DEFAULT_SETTINGS: CompilerSettings = {
  dnsPeer: {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
  },
  dnsPorts: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};
