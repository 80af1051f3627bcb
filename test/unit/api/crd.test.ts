import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appTrustProfileCrd } from '../../../src/api/v1alpha1/crd.js';
import { crdYaml } from '../../../src/api/v1alpha1/crd-yaml.js';

const CRD_FILE = join(import.meta.dirname, '..', '..', '..', 'crds', 'apptrust.dev_apptrustprofiles.yaml');

type Node = Record<string, unknown>;
function* walk(node: unknown, path = ''): Generator<[string, Node]> {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* walk(item, `${path}[${i}]`);
    return;
  }
  yield [path, node as Node];
  for (const [k, v] of Object.entries(node)) yield* walk(v, `${path}.${k}`);
}

const version = () => (appTrustProfileCrd().spec as Node & { versions: Node[] }).versions[0] as Node;
const openApi = () => (version().schema as Node).openAPIV3Schema as Node;

describe('generated CRD', () => {
  it('matches the committed file (run `make manifests` after changing the schema)', () => {
    expect(readFileSync(CRD_FILE, 'utf8')).toBe(crdYaml());
  });

  it('is structural: no $ref, no anyOf with types, no additionalProperties beside properties, no defaults', () => {
    for (const [path, node] of walk(openApi())) {
      expect([path, '$ref' in node]).toEqual([path, false]);
      expect([path, 'default' in node]).toEqual([path, false]);
      expect([path, 'properties' in node && 'additionalProperties' in node]).toEqual([path, false]);
      if (
        !path.endsWith('.properties') &&
        !path.includes('x-kubernetes-validations') &&
        !('x-kubernetes-int-or-string' in node)
      )
        expect([path, typeof node.type]).toEqual([path, 'string']);
    }
  });

  it('describes every spec field', () => {
    const spec = (openApi().properties as Node).spec;
    for (const [path, node] of walk(spec))
      if (/\.properties\.[^.]+$/.test(path))
        expect([path, typeof node.description]).toEqual([path, 'string']);
  });

  it('has names, scope, status subresource and printer columns of the contract', () => {
    const crd = appTrustProfileCrd() as Node & { spec: Node };
    expect(crd.spec.names).toMatchObject({
      plural: 'apptrustprofiles',
      singular: 'apptrustprofile',
      shortNames: ['atp'],
      kind: 'AppTrustProfile',
    });
    expect(crd.spec.scope).toBe('Namespaced');
    expect(version().subresources).toEqual({ status: {} });
    expect(
      (version().additionalPrinterColumns as Node[]).filter((c) => !c.priority).map((c) => c.name),
    ).toEqual(['Mode', 'Ready', 'Policies', 'Age']);
  });

  it('keys components by name and carries CEL rules for the cross-field checks', () => {
    const text = JSON.stringify(openApi());
    const spec = (openApi().properties as Node).spec as Node;
    expect((spec.properties as Node).components).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    for (const fragment of [
      'self.components.exists',
      'filter(x, x).size() == 1',
      'has(self.from.component) || has(self.to.component)',
      'self.endPort >= self.port',
      'isCIDR(self)',
      'containsCIDR',
    ])
      expect(text).toContain(fragment);
  });
});
