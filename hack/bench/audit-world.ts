// A synthetic cluster for Audit's evidence at scale: WORKLOADS single-pod Deployments spread over 20
// namespaces, each namespace with its baseline and an enforced profile, and one Audit profile in
// ns0 whose components talk to each other and to workloads of other namespaces. Shared by the Audit
// benchmark and the 2,000-pod tests (files and the real API server build the same world).
import type { AppTrustProfile } from '../../src/api/v1alpha1/index.js';
import { baselinePolicyFor, type NetworkPolicy, renderProfiles } from '../../src/compiler/index.js';
import type { KubeObject } from '../../src/kube/objects.js';
import type { SlimPod } from '../../src/kube/pods.js';

export const AUDIT_NAMESPACES = 20;

export interface AuditWorld {
  namespaces: KubeObject[];
  pods: SlimPod[];
  /** Every policy in force: baselines and the enforced profiles' policies. */
  policies: NetworkPolicy[];
  enforced: AppTrustProfile[];
  audit: AppTrustProfile;
}

/** The namespaces' names: ns0..ns19, or under a prefix (tests on a shared API server). */
export const auditNamespaces = (prefix = 'ns') =>
  Array.from({ length: AUDIT_NAMESPACES }, (_, n) => `${prefix}${n}`);

function enforcedProfile(namespace: string, auditNamespace: string): AppTrustProfile {
  return {
    apiVersion: 'apptrust.dev/v1alpha1',
    kind: 'AppTrustProfile',
    metadata: { name: 'app', namespace },
    spec: {
      components: [
        { name: 'front', podSelector: { matchLabels: { tier: 'front' } } },
        { name: 'back', podSelector: { matchLabels: { tier: 'back' } } },
      ],
      allow: [
        { from: { component: 'front' }, to: { component: 'back' }, ports: [{ port: 8080 }] },
        { from: { namespace: auditNamespace }, to: { component: 'front' }, ports: [{ port: 8080 }] },
      ],
    },
  } as AppTrustProfile;
}

/** The Audit profile: ns0's front talks to its back, back reaches ns1's front; ns2 may call front. */
export function auditProfile(names: readonly string[] = auditNamespaces()): AppTrustProfile {
  const [namespace, second, third] = names as [string, string, string];
  return {
    apiVersion: 'apptrust.dev/v1alpha1',
    kind: 'AppTrustProfile',
    metadata: { name: 'audit', namespace },
    spec: {
      mode: 'Audit',
      components: [
        { name: 'front', podSelector: { matchLabels: { tier: 'front' } } },
        { name: 'back', podSelector: { matchLabels: { tier: 'back' } } },
      ],
      allow: [
        { from: { component: 'front' }, to: { component: 'back' }, ports: [{ port: 8080 }] },
        { from: { component: 'back' }, to: { namespace: second }, ports: [{ port: 8080 }] },
        { from: { namespace: third }, to: { component: 'front' }, ports: [{ port: 8080 }] },
      ],
    },
  } as AppTrustProfile;
}

/** `workloads` pods, one per Deployment, round-robin over the namespaces; tiers alternate. */
export function auditWorld(workloads: number, names: readonly string[] = auditNamespaces()): AuditWorld {
  const nsName = (n: number) => names[n] as string;
  const namespaces: KubeObject[] = names.map((name) => ({
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
  }));
  const pods: SlimPod[] = [];
  for (let i = 0; i < workloads; i++) {
    const n = i % AUDIT_NAMESPACES;
    const k = Math.floor(i / AUDIT_NAMESPACES);
    const tier = k % 2 === 0 ? 'front' : 'back';
    pods.push({
      metadata: {
        name: `w${k}-6b7c9-x${k}`,
        namespace: nsName(n),
        labels: { app: `w${k}`, tier, 'pod-template-hash': '6b7c9' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: `w${k}-6b7c9`,
            uid: `rs-${i}`,
            controller: true,
          },
        ],
      },
      spec: {
        containers: [
          {
            ports: [
              { containerPort: 8080, name: 'http' },
              { containerPort: 9090, name: 'metrics' },
            ],
          },
        ],
      },
      status: { phase: 'Running', podIP: `10.${Math.floor(i / 250)}.${i % 250}.1` },
    });
  }
  const enforced = namespaces.map((ns) => enforcedProfile(ns.metadata.name, nsName(0)));
  const rendered = renderProfiles(enforced.map((value) => ({ source: 'world', value }))).policies;
  const baselines = namespaces.map((ns) => baselinePolicyFor(ns.metadata.name, { allowDNS: false }));
  return { namespaces, pods, policies: [...rendered, ...baselines], enforced, audit: auditProfile(names) };
}
