// `--cluster` / `--old-cluster`: the live world from the current kubeconfig, read-only (GET lists
// only). Lists come back in their wire shape through KubeRest, so NetworkPolicy `from` stays `from`.
// client-node is imported here only, on demand: it costs ~400 ms that render/explain on files skip.
import { API_VERSION, KIND } from '../api/v1alpha1/index.js';
import type { SourceDocument } from './load.js';
import { type WorldInput, worldInputOf } from './world-input.js';

interface List {
  items?: unknown[];
}

/** The collections a world is read from (the dataplane tier reads them the same way). */
export const WORLD_SOURCES = [
  { path: '/api/v1/namespaces', apiVersion: 'v1', kind: 'Namespace' },
  { path: '/api/v1/pods', apiVersion: 'v1', kind: 'Pod' },
  {
    path: '/apis/networking.k8s.io/v1/networkpolicies',
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
  },
  // What {service: NAME} endpoints of the profiles render from.
  { path: '/api/v1/services', apiVersion: 'v1', kind: 'Service' },
] as const;

/** Reads namespaces, pods, NetworkPolicies, Services and AppTrustProfiles (when the CRD is installed). */
export async function readClusterWorld(defaultNamespace: string): Promise<WorldInput> {
  const [{ KubeConfig }, { KubeRest }, paths, { KubeApiError }] = await Promise.all([
    import('@kubernetes/client-node'),
    import('../kube/rest.js'),
    import('../kube/paths.js'),
    import('../kube/errors.js'),
  ]);
  const config = new KubeConfig();
  config.loadFromDefault();
  const rest = new KubeRest(config);
  const file = `cluster ${config.getCurrentContext() || '(current context)'}`;
  const documents: SourceDocument[] = [];
  const add = (list: List, apiVersion: string, kind: string) => {
    for (const item of list.items ?? [])
      documents.push({ file, value: { apiVersion, kind, ...(item as object) } });
  };
  try {
    for (const s of WORLD_SOURCES)
      add(await rest.request<List>({ method: 'GET', path: s.path }), s.apiVersion, s.kind);
    try {
      add(await rest.request<List>({ method: 'GET', path: paths.profiles() }), API_VERSION, KIND);
    } catch (error) {
      // No CRD installed: a cluster without profiles (its NetworkPolicies still count).
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
  } finally {
    rest.close();
  }
  return worldInputOf(documents, defaultNamespace);
}
