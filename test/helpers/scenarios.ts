// The classic scenarios with their expected reachability, written out by hand. Shared by the
// compiler unit tests and the integration tests (policies read back from the API server), and by
// the kind end-to-end probes, so "what should flow" is stated once.
import type { Endpoint, Namespace, Pod } from './evaluator.js';

export interface Probe {
  from: string;
  to: string;
  port: number;
  protocol?: 'TCP' | 'UDP';
  allowed: boolean;
}

export interface Scenario {
  example: string;
  namespace: string;
  namespaces: Namespace[];
  endpoints: Record<string, Endpoint>;
  probes: Probe[];
}

const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string): Pod => ({
  name,
  namespace,
  labels,
  ip,
});

const DNS = pod('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, '10.0.0.10');

export const SCENARIOS: Scenario[] = [
  {
    example: 'deny-all',
    namespace: 'vault',
    namespaces: [{ name: 'vault' }, { name: 'kube-system' }],
    endpoints: {
      a: pod('vault', 'a', { app: 'a' }, '10.1.0.1'),
      b: pod('vault', 'b', { app: 'b' }, '10.1.0.2'),
      dns: DNS,
      internet: { ip: '93.184.216.34' },
    },
    probes: [
      { from: 'a', to: 'b', port: 80, allowed: false },
      { from: 'b', to: 'a', port: 443, allowed: false },
      { from: 'a', to: 'dns', port: 53, protocol: 'UDP', allowed: false },
      { from: 'a', to: 'internet', port: 443, allowed: false },
      { from: 'internet', to: 'a', port: 80, allowed: false },
    ],
  },
  {
    example: 'frontend-backend',
    namespace: 'shop',
    namespaces: [{ name: 'shop' }, { name: 'ingress-nginx' }, { name: 'kube-system' }],
    endpoints: {
      frontend: pod('shop', 'frontend', { role: 'frontend' }, '10.2.0.1'),
      backend: pod('shop', 'backend', { role: 'backend' }, '10.2.0.2'),
      other: pod('shop', 'other', { role: 'other' }, '10.2.0.3'),
      ingress: pod('ingress-nginx', 'controller', { app: 'ingress-nginx' }, '10.3.0.1'),
      dns: DNS,
      gateway: { ip: '203.0.113.10' },
      elsewhere: { ip: '203.0.113.11' },
    },
    probes: [
      { from: 'ingress', to: 'frontend', port: 8080, allowed: true },
      { from: 'ingress', to: 'frontend', port: 8081, allowed: false },
      { from: 'ingress', to: 'backend', port: 8080, allowed: false },
      { from: 'frontend', to: 'backend', port: 8080, allowed: true },
      { from: 'frontend', to: 'backend', port: 8080, protocol: 'UDP', allowed: false },
      { from: 'frontend', to: 'backend', port: 9090, allowed: false },
      { from: 'backend', to: 'frontend', port: 8080, allowed: false },
      { from: 'other', to: 'backend', port: 8080, allowed: false },
      { from: 'frontend', to: 'other', port: 8080, allowed: false },
      { from: 'backend', to: 'gateway', port: 443, allowed: true },
      { from: 'backend', to: 'gateway', port: 80, allowed: false },
      { from: 'backend', to: 'elsewhere', port: 443, allowed: false },
      { from: 'frontend', to: 'gateway', port: 443, allowed: false },
      { from: 'frontend', to: 'dns', port: 53, protocol: 'UDP', allowed: true },
      { from: 'backend', to: 'dns', port: 53, protocol: 'TCP', allowed: true },
      { from: 'backend', to: 'dns', port: 54, protocol: 'UDP', allowed: false },
      // `other` is not governed by the profile (no baseline in this world): it stays open.
      { from: 'other', to: 'elsewhere', port: 443, allowed: true },
    ],
  },
  {
    example: 'egress-one-ip',
    namespace: 'metrics',
    namespaces: [{ name: 'metrics' }, { name: 'kube-system' }],
    endpoints: {
      exporter: pod('metrics', 'exporter', { app: 'exporter' }, '10.4.0.1'),
      peer: pod('metrics', 'peer', { app: 'peer' }, '10.4.0.2'),
      dns: DNS,
      google: { ip: '8.8.8.8' },
      cloudflare: { ip: '1.1.1.1' },
    },
    probes: [
      { from: 'exporter', to: 'google', port: 443, allowed: true },
      { from: 'exporter', to: 'google', port: 53, protocol: 'UDP', allowed: false },
      { from: 'exporter', to: 'cloudflare', port: 443, allowed: false },
      { from: 'exporter', to: 'peer', port: 80, allowed: false },
      { from: 'exporter', to: 'dns', port: 53, protocol: 'UDP', allowed: false },
      // Ingress is not isolated by this profile: that traffic was already allowed.
      { from: 'peer', to: 'exporter', port: 9100, allowed: true },
    ],
  },
  {
    example: 'healthcare',
    namespace: 'healthcare',
    namespaces: [{ name: 'healthcare' }, { name: 'kube-system' }],
    endpoints: {
      frontend: pod('healthcare', 'frontend', { app: 'frontend' }, '10.5.0.1'),
      records: pod('healthcare', 'records', { app: 'patient-records' }, '10.5.0.2'),
      analytics: pod('healthcare', 'analytics', { app: 'analytics' }, '10.5.0.3'),
      dns: DNS,
      internet: { ip: '93.184.216.34' },
    },
    probes: [
      { from: 'frontend', to: 'records', port: 8443, allowed: true },
      { from: 'records', to: 'frontend', port: 8080, allowed: true },
      { from: 'frontend', to: 'records', port: 8080, allowed: false },
      { from: 'analytics', to: 'records', port: 8443, allowed: false },
      { from: 'records', to: 'analytics', port: 8080, allowed: false },
      { from: 'analytics', to: 'frontend', port: 8080, allowed: false },
      { from: 'records', to: 'internet', port: 443, allowed: false },
      { from: 'analytics', to: 'dns', port: 53, protocol: 'UDP', allowed: true },
    ],
  },
  {
    example: 'fintech',
    namespace: 'fintech',
    namespaces: [{ name: 'fintech' }, { name: 'edge' }, { name: 'kube-system' }],
    endpoints: {
      gateway: pod('fintech', 'gateway', { app: 'payment-gateway' }, '10.6.0.1'),
      transactions: pod('fintech', 'tx', { tier: 'transactions' }, '10.6.0.2'),
      reporting: pod('fintech', 'reporting', { app: 'reporting' }, '10.6.0.3'),
      ingress: pod('edge', 'ingress', { app: 'ingress' }, '10.7.0.1'),
      edgeOther: pod('edge', 'other', { app: 'other' }, '10.7.0.2'),
      bank: { ip: '198.51.100.10' },
      bankExcluded: { ip: '198.51.100.200' },
    },
    probes: [
      { from: 'ingress', to: 'gateway', port: 8443, allowed: true },
      { from: 'edgeOther', to: 'gateway', port: 8443, allowed: false },
      { from: 'gateway', to: 'transactions', port: 9000, allowed: true },
      { from: 'reporting', to: 'transactions', port: 9000, allowed: false },
      { from: 'ingress', to: 'transactions', port: 9000, allowed: false },
      { from: 'transactions', to: 'bank', port: 443, allowed: true },
      { from: 'transactions', to: 'bankExcluded', port: 443, allowed: false },
      { from: 'gateway', to: 'bank', port: 443, allowed: false },
      { from: 'transactions', to: 'gateway', port: 8443, allowed: false },
    ],
  },
];
