// The generated CRD against the real API server: it installs, is Established, publishes its
// field descriptions (what `kubectl explain` reads), and admission enforces the contract.

import { KubeApiError } from '../../src/kube/errors.js';
import { crd, profile, profiles } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { deleteNamespace, withTestNamespace } from '../helpers/cluster.js';
import { frontendBackendProfile } from '../helpers/profiles.js';
import { loadSample } from '../helpers/samples.js';
import { SCENARIOS } from '../helpers/scenarios.js';

let rest: KubeRest;
let ns: string;

beforeAll(async () => ({ rest, ns } = await withTestNamespace('crd')));
afterAll(() => deleteNamespace(rest, ns));

const base = () => frontendBackendProfile('p', ns);

async function create(body: ReturnType<typeof base>): Promise<KubeApiError | undefined> {
  try {
    await rest.request({ method: 'POST', path: profiles(ns), body });
    await rest.delete(profile(ns, body.metadata.name));
    return undefined;
  } catch (error) {
    if (error instanceof KubeApiError) return error;
    throw error;
  }
}

describe('AppTrustProfile CRD on a real API server', () => {
  it('is Established with the contract names', async () => {
    const got = await rest.get<{
      spec: { names: { shortNames: string[] } };
      status: { conditions: Array<{ type: string; status: string }> };
    }>(crd('apptrustprofiles.apptrust.dev'));
    expect(got.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Established', status: 'True' }),
    );
    expect(got.spec.names.shortNames).toEqual(['atp']);
  });

  it('publishes field descriptions in OpenAPI v3 (kubectl explain apptrustprofile.spec)', async () => {
    const doc = await rest.get<{
      components: {
        schemas: Record<
          string,
          {
            properties: Record<
              string,
              { description?: string; properties?: Record<string, { description?: string }> }
            >;
          }
        >;
      };
    }>('/openapi/v3/apis/apptrust.dev/v1alpha1');
    const schema = doc.components.schemas['dev.apptrust.v1alpha1.AppTrustProfile'];
    expect(schema?.properties.spec?.description).toContain('components and the flows');
    expect(schema?.properties.spec?.properties?.allow?.description).toContain('allowed flows');
    expect(schema?.properties.spec?.properties?.mode?.description).toContain('Enforce (default)');
  });

  it.each(SCENARIOS.map((s) => s.example))('accepts the example %s', async (example) => {
    const body = loadSample(example) as unknown as ReturnType<typeof base>;
    body.metadata = { ...body.metadata, namespace: ns };
    expect(await create(body)).toBeUndefined();
  });

  it('stores what the user wrote: no defaults added to spec', async () => {
    const body = base();
    await rest.request({ method: 'POST', path: profiles(ns), body });
    const stored = await rest.get<{ spec: Record<string, unknown> }>(profile(ns, 'p'));
    await rest.delete(profile(ns, 'p'));
    expect(stored.spec).toEqual(body.spec);
  });
});
