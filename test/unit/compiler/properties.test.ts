// Property tests over random profiles: canonical output, ownership, and the product promise —
// the rendered policies allow exactly the declared flows (checked against an independent model
// of the spec's meaning, through the NetworkPolicy evaluator).
import fc from 'fast-check';
import type { Flow, ProfileSpec, Endpoint as SpecEndpoint } from '../../../src/api/v1alpha1/index.js';
import { canonicalJson, type Protocol, renderProfile } from '../../../src/compiler/index.js';
import { type Endpoint, isAllowed, type Pod, selectorMatches } from '../../helpers/evaluator.js';

const NS = 'ns';
const APPS = ['a', 'b', 'c', 'd', 'e'];
const selectorArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...APPS).map((app) => ({ matchLabels: { app } })) },
  { weight: 1, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.constant({
      matchExpressions: [{ key: 'app', operator: 'In' as const, values: ['a', 'b'] }],
    }),
  },
);
const portsArb = fc.oneof(
  fc.constant(undefined),
  fc.constant([]),
  fc.subarray(
    [{ port: 80 }, { port: 443 }, { port: 53, protocol: 'UDP' as const }, { port: 8000, endPort: 8100 }],
    { minLength: 1 },
  ),
);

const profileArb = fc
  .uniqueArray(fc.record({ name: fc.constantFrom('web', 'api', 'db', 'cache'), podSelector: selectorArb }), {
    minLength: 1,
    maxLength: 4,
    selector: (c) => c.name,
  })
  .chain((components) => {
    const names = components.map((c) => c.name);
    const componentEnd = fc.constantFrom(...names).map((component): SpecEndpoint => ({ component }));
    const otherEnd = fc.oneof(
      fc.constantFrom(...APPS).map((app): SpecEndpoint => ({ podSelector: { matchLabels: { app } } })),
      fc.constant<SpecEndpoint>({ namespace: 'other' }),
      fc.constant<SpecEndpoint>({ namespace: 'other', podSelector: { matchLabels: { app: 'a' } } }),
      fc.constant<SpecEndpoint>({ namespaceSelector: { matchLabels: { env: 'prod' } } }),
      fc.constant<SpecEndpoint>({ cidr: '192.0.2.0/24', except: ['192.0.2.128/25'] }),
      fc.constant<SpecEndpoint>({ cidr: '198.51.100.7/32' }),
    );
    const flowArb = fc.oneof(
      fc.record({ from: componentEnd, to: componentEnd, ports: portsArb }),
      fc.record({ from: componentEnd, to: otherEnd, ports: portsArb }),
      fc.record({ from: otherEnd, to: componentEnd, ports: portsArb }),
    );
    return fc.record({
      components: fc.constant(components),
      allow: fc.array(flowArb, { maxLength: 8 }),
      isolate: fc.constantFrom<Array<'Ingress' | 'Egress'> | undefined>(
        undefined,
        ['Ingress'],
        ['Egress'],
        ['Egress', 'Ingress'],
      ),
      allowDNS: fc.constantFrom(undefined, true, false),
    });
  })
  .map((spec) => JSON.parse(JSON.stringify(spec)) as ProfileSpec);

const asProfile = (spec: ProfileSpec, uid?: string) => ({
  apiVersion: 'apptrust.dev/v1alpha1',
  kind: 'AppTrustProfile',
  metadata: { name: 'p', namespace: NS, ...(uid ? { uid } : {}) },
  spec,
});

// The world every profile is checked in.
const pods: Pod[] = [
  ...APPS.map((app, i) => ({ name: app, namespace: NS, labels: { app }, ip: `10.0.0.${i + 1}` })),
  { name: 'bare', namespace: NS, labels: {}, ip: '10.0.0.9' },
  { name: 'oa', namespace: 'other', labels: { app: 'a' }, ip: '10.1.0.1' },
  { name: 'ob', namespace: 'other', labels: { app: 'b' }, ip: '10.1.0.2' },
  { name: 'prod', namespace: 'prodns', labels: { app: 'a' }, ip: '10.2.0.1' },
  { name: 'dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.3.0.10' },
];
const namespaces = [
  { name: NS },
  { name: 'other' },
  { name: 'prodns', labels: { env: 'prod' } },
  { name: 'kube-system' },
];
const endpoints: Endpoint[] = [
  ...pods,
  { ip: '192.0.2.1' },
  { ip: '192.0.2.200' },
  { ip: '198.51.100.7' },
  { ip: '203.0.113.1' },
];
const probes: Array<[number, Protocol]> = [
  [80, 'TCP'],
  [443, 'TCP'],
  [53, 'UDP'],
  [53, 'TCP'],
  [8050, 'TCP'],
  [9999, 'TCP'],
];

// --- an independent model of what the spec declares ----------------------------------------------

const isPod = (e: Endpoint): e is Pod => 'namespace' in e;
const nsLabels = (name: string) => ({
  ...(namespaces.find((n) => n.name === name)?.labels ?? {}),
  'kubernetes.io/metadata.name': name,
});
const ipValue = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(len));
  return Math.floor(ipValue(ip) / size) === Math.floor(ipValue(net) / size);
}

function endpointDeclares(spec: ProfileSpec, end: SpecEndpoint, e: Endpoint): boolean {
  if (end.cidr) return inCidr(e.ip, end.cidr) && !(end.except ?? []).some((x) => inCidr(e.ip, x));
  if (!isPod(e)) return false;
  if (end.component) {
    const c = spec.components.find((x) => x.name === end.component);
    return e.namespace === NS && selectorMatches(c?.podSelector, e.labels);
  }
  if (end.namespace) return e.namespace === end.namespace && selectorMatches(end.podSelector, e.labels);
  if (end.namespaceSelector)
    return (
      selectorMatches(end.namespaceSelector, nsLabels(e.namespace)) &&
      selectorMatches(end.podSelector, e.labels)
    );
  return e.namespace === NS && selectorMatches(end.podSelector, e.labels);
}

function portDeclared(flow: Flow, port: number, protocol: string): boolean {
  if (!flow.ports || flow.ports.length === 0) return true;
  return flow.ports.some(
    (p) =>
      (p.protocol ?? 'TCP') === protocol &&
      port >= (p.port as number) &&
      port <= (p.endPort ?? (p.port as number)),
  );
}

function declared(spec: ProfileSpec, src: Endpoint, dst: Endpoint, port: number, protocol: string): boolean {
  const isolate = spec.isolate ?? ['Ingress', 'Egress'];
  const governing = (e: Endpoint) =>
    isPod(e) && e.namespace === NS
      ? spec.components.filter((c) => selectorMatches(c.podSelector, e.labels))
      : [];
  const flowOk = (side: 'from' | 'to', comps: string[]) =>
    (spec.allow ?? []).some(
      (f) =>
        f[side].component !== undefined &&
        comps.includes(f[side].component as string) &&
        endpointDeclares(spec, side === 'from' ? f.to : f.from, side === 'from' ? dst : src) &&
        portDeclared(f, port, protocol),
    );
  const srcComps = governing(src).map((c) => c.name);
  if (isolate.includes('Egress') && srcComps.length > 0) {
    const dns =
      (spec.allowDNS ?? true) &&
      isPod(dst) &&
      dst.namespace === 'kube-system' &&
      dst.labels['k8s-app'] === 'kube-dns' &&
      port === 53;
    if (!dns && !flowOk('from', srcComps)) return false;
  }
  const dstComps = governing(dst).map((c) => c.name);
  if (isolate.includes('Ingress') && dstComps.length > 0 && !flowOk('to', dstComps)) return false;
  return true;
}

// --- the properties -------------------------------------------------------------------------------

describe('compiler properties', () => {
  it('allows exactly the declared flows (plus DNS when asked), no more, no less', () => {
    fc.assert(
      fc.property(profileArb, (spec) => {
        const { policies, diagnostics } = renderProfile(asProfile(spec));
        expect(diagnostics).toEqual([]);
        const world = { namespaces, pods, policies };
        const mismatches = endpoints.flatMap((src) =>
          endpoints.flatMap((dst) =>
            probes
              .filter(() => src !== dst)
              .filter(
                ([port, protocol]) =>
                  isAllowed(world, src, dst, port, protocol) !== declared(spec, src, dst, port, protocol),
              )
              .map(
                ([port, protocol]) => `${JSON.stringify(src)} -> ${JSON.stringify(dst)} ${port}/${protocol}`,
              ),
          ),
        );
        expect(mismatches).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic and independent of the order components and flows are written in', () => {
    fc.assert(
      fc.property(profileArb, fc.integer(), (spec, seed) => {
        const first = canonicalJson(renderProfile(asProfile(spec)).policies);
        const rotate = <T>(xs: T[] | undefined) =>
          xs && xs.length > 0
            ? [...xs.slice(seed % xs.length), ...xs.slice(0, seed % xs.length)].reverse()
            : xs;
        const shuffled = {
          ...spec,
          components: rotate(spec.components) as ProfileSpec['components'],
          allow: rotate(spec.allow),
        };
        expect(JSON.stringify(renderProfile(asProfile(spec)).policies)).toBe(
          JSON.stringify(renderProfile(asProfile(spec)).policies),
        );
        expect(canonicalJson(renderProfile(asProfile(shuffled)).policies)).toBe(first);
      }),
      { numRuns: 200 },
    );
  });

  it('renders objects already in canonical form (re-canonicalizing changes nothing)', () => {
    fc.assert(
      fc.property(profileArb, (spec) => {
        const policies = renderProfile(asProfile(spec)).policies;
        expect(JSON.stringify(policies)).toBe(canonicalJson(policies));
      }),
    );
  });

  it('owns and labels every rendered object', () => {
    fc.assert(
      fc.property(profileArb, (spec) => {
        for (const p of renderProfile(asProfile(spec, 'uid-1')).policies) {
          expect(p.metadata.labels['app.kubernetes.io/managed-by']).toBe('apptrust-operator');
          expect(p.metadata.labels['apptrust.dev/profile']).toBe('p');
          expect(p.metadata.ownerReferences).toEqual([
            expect.objectContaining({ uid: 'uid-1', controller: true }),
          ]);
        }
      }),
      { numRuns: 50 },
    );
  });
});
