import { API_VERSION } from '../../src/api/v1alpha1/index.js';

/** frontend -> backend:8080, the smallest valid profile; tests mutate it into each invalid case. */
export const frontendBackendProfile = (name: string, namespace: string) => ({
  apiVersion: API_VERSION,
  kind: 'AppTrustProfile',
  metadata: { name, namespace },
  spec: {
    components: [
      { name: 'frontend', podSelector: { matchLabels: { role: 'frontend' } } },
      { name: 'backend', podSelector: { matchLabels: { role: 'backend' } } },
    ],
    allow: [
      { from: { component: 'frontend' }, to: { component: 'backend' }, ports: [{ port: 8080 }] },
    ] as unknown[],
  } as Record<string, unknown>,
});

/** A NetworkPolicy the operator does not own (selects every pod, allows nothing in). */
export const foreignPolicy = (name: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name },
  spec: { podSelector: {} },
});
