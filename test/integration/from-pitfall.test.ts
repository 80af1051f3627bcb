// SECURITY: an ingress rule that reaches the API server without its `from` peers allows traffic
// from everywhere. client-node's generated NetworkPolicy model calls the field `_from`; we send
// wire-shaped JSON. This reads the stored object back, raw, and checks the peers are there.
import { renderProfile } from '../../src/compiler/index.js';
import { networkPolicy } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { deleteNamespace, withTestNamespace } from '../helpers/cluster.js';
import { loadSample } from '../helpers/samples.js';

let rest: KubeRest;
let ns: string;

beforeAll(async () => ({ rest, ns } = await withTestNamespace('from')));
afterAll(() => deleteNamespace(rest, ns));

interface StoredPolicy {
  spec: { ingress?: Array<{ from?: unknown[]; _from?: unknown }> };
}

it('server-side applied policies keep ingress[].from intact', async () => {
  const example = loadSample('frontend-backend') as { metadata: Record<string, unknown> };
  example.metadata.namespace = ns;
  const { policies, diagnostics } = renderProfile(example);
  expect(diagnostics).toEqual([]);
  for (const p of policies) {
    await rest.apply(networkPolicy(ns, p.metadata.name), p, 'apptrust-operator');
    const stored = await rest.get<StoredPolicy>(networkPolicy(ns, p.metadata.name));
    expect(stored.spec.ingress?.length).toBe(p.spec.ingress?.length);
    for (const [i, rule] of (stored.spec.ingress ?? []).entries()) {
      expect(rule._from).toBeUndefined();
      expect(rule.from).toEqual(p.spec.ingress?.[i]?.from);
      expect(rule.from?.length).toBeGreaterThan(0);
    }
  }
});
