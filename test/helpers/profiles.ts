// AppTrustProfile objects for tests (cert-manager's gen.Certificate idea): profile(name, ...mods)
// instead of hand-written objects, so a test shows only what matters to it.
import { API_VERSION, KIND } from '../../src/api/v1alpha1/index.js';

export interface TestProfile {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string } & Record<string, unknown>;
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export type ProfileMod = (profile: TestProfile) => void;

/** An AppTrustProfile named `name` with an empty spec, changed by each of `mods` in order. */
export function profile(name: string, ...mods: ProfileMod[]): TestProfile {
  const built: TestProfile = { apiVersion: API_VERSION, kind: KIND, metadata: { name }, spec: {} };
  for (const mod of mods) mod(built);
  return built;
}

export const inNamespace =
  (namespace: string): ProfileMod =>
  (p) => {
    p.metadata.namespace = namespace;
  };

/** Metadata fields beside name and namespace (generation, uid, labels...). */
export const withMetadata =
  (metadata: Record<string, unknown>): ProfileMod =>
  (p) => {
    Object.assign(p.metadata, metadata);
  };

/** A component selecting pods by `matchLabels` (default: role=<name>). */
export const component =
  (name: string, matchLabels: Record<string, string> = { role: name }): ProfileMod =>
  (p) => {
    p.spec.components = [...((p.spec.components as unknown[]) ?? []), { name, podSelector: { matchLabels } }];
  };

/** A flow from component `from` to component `to` on TCP `ports`. */
export const allow =
  (from: string, to: string, ...ports: number[]): ProfileMod =>
  (p) => {
    const flow = { from: { component: from }, to: { component: to }, ports: ports.map((port) => ({ port })) };
    p.spec.allow = [...((p.spec.allow as unknown[]) ?? []), flow];
  };

/** Spec fields set as given (mode, allowDNS, a hand-built allow list...). */
export const withSpec =
  (spec: Record<string, unknown>): ProfileMod =>
  (p) => {
    Object.assign(p.spec, spec);
  };

export const withStatus =
  (status: Record<string, unknown>): ProfileMod =>
  (p) => {
    p.status = status;
  };

/** frontend -> backend:8080, the smallest valid profile; tests mutate it into each invalid case. */
export const frontendBackendProfile = (name: string, namespace: string) =>
  profile(
    name,
    inNamespace(namespace),
    component('frontend'),
    component('backend'),
    allow('frontend', 'backend', 8080),
  ) as TestProfile & { metadata: { namespace: string } };

/** A NetworkPolicy the operator does not own (selects every pod, allows nothing in). */
export const foreignPolicy = (name: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name },
  spec: { podSelector: {} },
});
