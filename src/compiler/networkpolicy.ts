// networking.k8s.io/v1 NetworkPolicy in its *wire* shape. We never use client-node's generated
// model here: it names the ingress peer field "underscore-from", and an object in that shape reaches the API
// server as an ingress rule without peers, which allows traffic from everywhere.
import type { LabelSelector } from '../api/v1alpha1/index.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface PolicyPort {
  protocol: Protocol;
  port?: number | string;
  endPort?: number;
}

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface IngressRule {
  from?: PolicyPeer[];
  ports?: PolicyPort[];
}

export interface EgressRule {
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

export interface NetworkPolicy {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  spec: {
    podSelector: LabelSelector;
    policyTypes: Array<'Ingress' | 'Egress'>;
    ingress?: IngressRule[];
    egress?: EgressRule[];
  };
}
