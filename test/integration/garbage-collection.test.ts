// kube-controller-manager's garbage collector removes a NetworkPolicy whose owner profile is gone:
// deletion of a profile needs no finalizer of ours.
import { renderProfile } from '../../src/compiler/index.js';
import { isNotFound } from '../../src/kube/errors.js';
import { networkPolicy, profile, profiles } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { deleteNamespace, eventually, withTestNamespace } from '../helpers/cluster.js';
import { loadSample } from '../helpers/samples.js';

let rest: KubeRest;
let ns: string;

beforeAll(async () => ({ rest, ns } = await withTestNamespace('gc')));
afterAll(() => deleteNamespace(rest, ns));

it('deletes owned policies after their profile is deleted', async () => {
  const example = loadSample('healthcare') as { metadata: Record<string, unknown> };
  example.metadata.namespace = ns;
  const created = await rest.request<{ metadata: { uid: string } }>({
    method: 'POST',
    path: profiles(ns),
    body: example,
  });
  example.metadata.uid = created.metadata.uid;
  const { policies } = renderProfile(example);
  for (const p of policies) await rest.apply(networkPolicy(ns, p.metadata.name), p, 'apptrust-operator');

  await rest.delete(profile(ns, example.metadata.name as string), { propagationPolicy: 'Background' });
  for (const p of policies) {
    await eventually(
      `${p.metadata.name} to be garbage-collected`,
      async () => {
        try {
          await rest.get(networkPolicy(ns, p.metadata.name));
          return undefined;
        } catch (error) {
          return isNotFound(error) ? true : undefined;
        }
      },
      60_000,
      250,
    );
  }
});
