// Profiles on the dataplane's cluster: applied as a user would (server-side apply), waited for Ready.
import { profile as profilePath } from '../../src/kube/paths.js';
import { eventually } from '../helpers/cluster.js';
import type { Dataplane } from './dataplane.js';

export async function applyProfile(dataplane: Dataplane, profile: Record<string, unknown>): Promise<number> {
  const { name, namespace } = profile.metadata as { name: string; namespace: string };
  await dataplane.rest.apply(profilePath(namespace, name), profile, 'apptrust-dataplane-test');
  return Date.now();
}

export async function waitReady(dataplane: Dataplane, namespace: string, name: string): Promise<void> {
  await eventually(
    `${namespace}/${name} Ready`,
    async () => {
      const p = await dataplane.rest.get<{
        status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
      }>(profilePath(namespace, name));
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    },
    30_000,
  );
}
