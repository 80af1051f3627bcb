// Benchmark of the widening report at 1,000 profiles (the shape of `make bench`: 20 namespaces of 50
// profiles, two components each), with one pod per component: what the operator computes when a
// policy or pod changes (one namespace), at start-up or resync (every namespace), and in a
// namespace where a foreign allow-all widens all 50 profiles. Not a test: nothing asserts a time.
import type { Namespace, Pod } from '../../src/analysis/index.js';
import { baselinePolicyFor, type NetworkPolicy, renderProfile } from '../../src/compiler/index.js';
import { type NamespaceSnapshot, namespaceIntents } from '../../src/controller/intent-widening.js';
import type { LivePolicy } from '../../src/kube/policy-store.js';
import { timed } from './timing.js';
import { namespaceName, profileBody, profileRef, type Scale } from './workload.js';

const SCALE: Scale = { profiles: 1000, profileNamespaces: 20, namespaces: 20 };

export function wideningBench() {
  const namespaces: Namespace[] = [
    ...Array.from({ length: SCALE.namespaces }, (_, i) => ({ name: namespaceName(i) })),
    { name: 'ingress' },
  ];
  const pods: Pod[] = Array.from({ length: 5 }, (_, r) => ({
    namespace: 'ingress',
    name: `nginx-${r}`,
    labels: { app: 'nginx' },
    ip: `10.200.0.${r + 1}`,
  }));
  const profiles = new Map<string, Array<NamespaceSnapshot['profiles'][number]>>();
  const policies = new Map<string, LivePolicy[]>();
  for (let i = 0; i < SCALE.profiles; i++) {
    const { namespace } = profileRef(i, SCALE);
    const body = {
      ...profileBody(i, SCALE),
      metadata: { ...profileRef(i, SCALE), uid: `uid-${i}`, generation: 1 },
    };
    (profiles.get(namespace) ?? profiles.set(namespace, []).get(namespace))?.push(body);
    const rendered = renderProfile(body, { defaultNamespace: namespace }).policies;
    (policies.get(namespace) ?? policies.set(namespace, []).get(namespace))?.push(
      ...(rendered as unknown as LivePolicy[]),
    );
    for (const [c, component] of ['web', 'api'].entries())
      pods.push({
        namespace,
        name: `${component}-${i}`,
        labels: { app: `${component}-${i}` },
        ip: `10.${Math.floor(i / 100)}.${i % 100}.${c + 1}`,
        ports: [{ port: component === 'web' ? 443 : 8080 }],
      });
  }
  const snapshot = (namespace: string, extra: NetworkPolicy[] = []): NamespaceSnapshot => {
    const baseline = baselinePolicyFor(namespace, { allowDNS: false });
    return {
      namespace,
      world: { namespaces, pods },
      policies: [
        ...(policies.get(namespace) ?? []),
        baseline as unknown as LivePolicy,
        ...(extra as unknown as LivePolicy[]),
      ],
      profiles: profiles.get(namespace) ?? [],
      expectedBaseline: baseline,
      protected: true,
    };
  };
  const widened = (namespace: string) =>
    namespaceIntents(snapshot(namespace, [allowAll(namespace)])).profiles.filter(
      (p) => p.widening?.flows.length,
    ).length;
  const honoured = (namespace: string) =>
    namespaceIntents(snapshot(namespace)).profiles.filter((p) => p.widening?.flows.length === 0).length;
  const all = timed(
    () => namespaces.slice(0, SCALE.namespaces).reduce((n, ns) => n + honoured(ns.name), 0),
    5,
  );
  const one = timed(() => honoured(namespaceName(0)), 21);
  const oneWidened = timed(() => widened(namespaceName(0)), 5);
  return {
    profiles: SCALE.profiles,
    namespaces: SCALE.namespaces,
    pods: pods.length,
    everyNamespace: { ...all, honouredProfiles: all.result },
    oneNamespace: { ...one, profilesInIt: one.result },
    oneNamespaceAllWidened: { ...oneWidened, widenedProfiles: oneWidened.result },
  };
}

function allowAll(namespace: string): NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'allow-all', namespace, labels: {} },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] },
  };
}
