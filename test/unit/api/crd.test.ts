import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appTrustProfileCrd } from '../../../hack/crd/crd.js';
import { crdYaml } from '../../../hack/crd/crd-yaml.js';

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
      "(has(self.service) ? ['service'] : [])).size() == 1",
      "has(self.namespace) && !has(self.service) ? ['namespace']",
      '!has(self.from.fqdn)',
      "!self.contains('*')",
      'has(self.from.component) || has(self.to.component)',
      'self.endPort >= self.port',
      '].to.component: unknown component',
      'isCIDR(self)',
      'containsCIDR',
    ])
      expect(text).toContain(fragment);
  });
});

// Every string, list and map in the CRD has a maximum: a profile's size is bounded, and so is the
// CEL cost estimate (the API server refuses rules it cannot bound).
const MAP_KEY_MAX = 317; // label keys: 253 (prefix) + '/' + 63 (name), enforced by the key rule
const SPEC_BOUND = 88_071_008; // 84.0 MiB: 256 flows x 2 endpoints x 2 selectors dominate
const STATUS_BOUND = 493_857; // status.fqdn: 32 names x 32 addresses

/** The largest JSON text (characters, compact, ASCII) an object of this schema can have. */
function maxJsonSize(node: Node, path: string, unbounded: string[]): number {
  if (node['x-kubernetes-int-or-string']) return Math.max(5, ((node.maxLength as number) ?? 0) + 2);
  switch (node.type) {
    case 'string':
      if (node.maxLength === undefined) unbounded.push(path);
      return ((node.maxLength as number) ?? 0) + 2;
    case 'integer':
      return String((node.maximum as number) ?? Number.MAX_SAFE_INTEGER).length;
    case 'boolean':
      return 5;
    case 'array': {
      if (node.maxItems === undefined) unbounded.push(path);
      const items = node.maxItems as number;
      return 2 + items * (maxJsonSize(node.items as Node, `${path}[]`, unbounded) + 1);
    }
    case 'object': {
      if (node.additionalProperties) {
        if (node.maxProperties === undefined) unbounded.push(path);
        const value = maxJsonSize(node.additionalProperties as Node, `${path}.*`, unbounded);
        return 2 + (node.maxProperties as number) * (MAP_KEY_MAX + 3 + value + 1);
      }
      const props = Object.entries((node.properties as Record<string, Node>) ?? {});
      return (
        2 +
        props.reduce((sum, [k, v]) => sum + k.length + 3 + maxJsonSize(v, `${path}.${k}`, unbounded) + 1, 0)
      );
    }
    default:
      unbounded.push(`${path} (type ${String(node.type)})`);
      return 0;
  }
}

describe('CRD size bound', () => {
  const props = openApi().properties as Record<string, Node>;
  it('has a maxLength on every string, maxItems on every list, maxProperties on every map', () => {
    const unbounded: string[] = [];
    maxJsonSize(props.spec as Node, 'spec', unbounded);
    maxJsonSize(props.status as Node, 'status', unbounded);
    expect(unbounded).toEqual([]);
  });

  it('bounds a profile (spec + status) and prints the bound', () => {
    const spec = maxJsonSize(props.spec as Node, 'spec', []);
    const status = maxJsonSize(props.status as Node, 'status', []);
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    console.log(`CRD size bound: spec ${spec} chars (${mib(spec)}), status ${status} chars (${mib(status)})`);
    // The schema bound; the API server caps a request at 3 MiB and etcd an object at 1.5 MiB first.
    expect(spec).toBe(SPEC_BOUND);
    expect(status).toBe(STATUS_BOUND);
  });
});
