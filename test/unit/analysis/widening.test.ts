// The widening of a profile's intent (pure): what other policies let reach or leave its components
// beyond its own rules, and how it is named to the profile's owner.

import { addressRegions } from '../../../src/analysis/address-regions.js';
import { explainConnection, type Pod, type Widening, WideningAnalyzer } from '../../../src/analysis/index.js';
import { extraFlowText } from '../../../src/analysis/widening.js';
import type { AppTrustProfile } from '../../../src/api/v1alpha1/index.js';
import { baselinePolicyFor, type NetworkPolicy, renderProfile } from '../../../src/compiler/index.js';

const pod = (
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ip: string,
  ports: Pod['ports'] = [],
): Pod => ({
  namespace,
  name,
  labels,
  ip,
  ports,
});
const policy = (namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace, labels: {} },
  spec,
});
const profile = (name: string, spec: AppTrustProfile['spec']): AppTrustProfile => ({
  apiVersion: 'apptrust.dev/v1alpha1',
  kind: 'AppTrustProfile',
  metadata: { name, namespace: 'shop' },
  spec,
});

const SHOP = profile('shop', {
  components: [
    { name: 'frontend', podSelector: { matchLabels: { role: 'frontend' } } },
    { name: 'backend', podSelector: { matchLabels: { role: 'backend' } } },
  ],
  allow: [{ from: { component: 'frontend' }, to: { component: 'backend' }, ports: [{ port: 8080 }] }],
  allowDNS: false,
});
const FRONTEND = pod('shop', 'frontend-1', { role: 'frontend' }, '10.0.0.1');
const BACKEND = pod('shop', 'backend-1', { role: 'backend' }, '10.0.0.2', [{ port: 8080, name: 'http' }]);
const BATCH = pod('shop', 'batch-1', { app: 'batch', secret: 'do-not-show' }, '10.0.0.3');
const OTHER = pod('other', 'spy-7f9c', { app: 'spy', team: 'hidden' }, '10.0.1.1');
const world = { namespaces: [{ name: 'shop' }, { name: 'other' }], pods: [FRONTEND, BACKEND, BATCH, OTHER] };

const rendered = (p: AppTrustProfile) => renderProfile(p, { defaultNamespace: 'shop' }).policies;
const names = (policies: NetworkPolicy[]) => new Set(policies.map((p) => p.metadata.name));

function wideningOf(p: AppTrustProfile, others: NetworkPolicy[], pods = world.pods): Widening {
  const own = rendered(p);
  return new WideningAnalyzer({ ...world, pods }, 'shop', [...own, ...others]).of(
    p.spec.components,
    names(own),
  );
}

const ALLOW_ALL = policy('shop', 'allow-all', {
  podSelector: {},
  policyTypes: ['Ingress', 'Egress'],
  ingress: [{}],
  egress: [{}],
});

/** A shop policy letting frontend pods reach backend pods on `port` (a port or a range). */
const frontendToBackend = (
  name: string,
  port: NonNullable<NonNullable<NetworkPolicy['spec']['ingress']>[number]['ports']>[number],
) =>
  policy('shop', name, {
    podSelector: { matchLabels: { role: 'backend' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }], ports: [port] }],
  });

describe('widening of a profile', () => {
  it('nothing but its own policies (and an untouched deny-all baseline): honoured', () => {
    const baseline = baselinePolicyFor('shop', { allowDNS: false });
    expect(wideningOf(SHOP, [baseline])).toEqual({ policies: [], flows: [] });
  });

  it('a foreign allow-all: every component, both directions, pods and addresses, all ports', () => {
    const w = wideningOf(SHOP, [ALLOW_ALL]);
    expect(w.policies).toEqual(['shop/allow-all']);
    const texts = w.flows.map(extraFlowText);
    expect(texts).toContain('ingress to backend from namespace other on all ports (by shop/allow-all)');
    expect(texts).toContain('ingress to backend from addresses 0.0.0.0/0 on all ports (by shop/allow-all)');
    expect(texts).toContain('egress from frontend to addresses ::/0 on all ports (by shop/allow-all)');
    expect(texts).toContain('ingress to frontend from workload batch-1 on all ports (by shop/allow-all)');
    // frontend -> backend is declared on TCP 8080 only: the rest of that pair is extra.
    expect(texts).toContain(
      'ingress to backend from component frontend on TCP 1-8079, 8081-65535; UDP 1-65535; SCTP 1-65535 (by shop/allow-all)',
    );
    expect(texts).toContain(
      'egress from frontend to component backend on TCP 1-8079, 8081-65535; UDP 1-65535; SCTP 1-65535 (by shop/allow-all)',
    );
  });

  it('never names a workload or label of another namespace', () => {
    const text = JSON.stringify(wideningOf(SHOP, [ALLOW_ALL]));
    expect(text).not.toMatch(/spy|hidden|team/);
    expect(text).toContain('namespace other');
  });

  it('a narrower foreign policy that adds nothing: honoured', () => {
    const narrower = frontendToBackend('team-rule', { protocol: 'TCP', port: 8080 });
    expect(wideningOf(SHOP, [narrower]).flows).toEqual([]);
  });

  it('a foreign policy that only isolates (no rule) adds nothing', () => {
    const deny = policy('shop', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(wideningOf(SHOP, [deny]).flows).toEqual([]);
  });

  it('ports: a foreign rule on a wider range widens by the difference only', () => {
    const range = frontendToBackend('range', { protocol: 'TCP', port: 8000, endPort: 8100 });
    const w = wideningOf(SHOP, [range]);
    expect(w.flows.map(extraFlowText)).toEqual([
      'ingress to backend from component frontend on TCP 8000-8079, 8081-8100 (by shop/range)',
    ]);
  });

  it('ports: a named port resolves on the component pod', () => {
    const named = policy('shop', 'named', {
      podSelector: { matchLabels: { role: 'backend' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 'http' }] }],
    });
    const texts = wideningOf(SHOP, [named]).flows.map(extraFlowText);
    // frontend already may use 8080: not extra; the other pods of both namespaces are.
    expect(texts).toEqual([
      'ingress to backend from component backend on TCP 8080 (by shop/named)',
      'ingress to backend from namespace other on TCP 8080 (by shop/named)',
      'ingress to backend from workload batch-1 on TCP 8080 (by shop/named)',
    ]);
  });

  it('addresses: a foreign egress ipBlock beyond the declared one, cut at its boundaries', () => {
    const p = profile('shop', {
      components: [{ name: 'backend', podSelector: { matchLabels: { role: 'backend' } } }],
      allow: [{ from: { component: 'backend' }, to: { cidr: '203.0.113.10/32' }, ports: [{ port: 443 }] }],
      allowDNS: false,
    });
    const wide = policy('shop', 'egress-wide', {
      podSelector: { matchLabels: { role: 'backend' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] }],
    });
    expect(wideningOf(p, [wide]).flows.map(extraFlowText)).toEqual([
      'egress from backend to addresses 203.0.113.0-203.0.113.9 on TCP 443 (by shop/egress-wide)',
      'egress from backend to addresses 203.0.113.11-203.0.113.255 on TCP 443 (by shop/egress-wide)',
    ]);
  });

  it('a direction the profile does not isolate cannot be widened', () => {
    const p = { ...SHOP, spec: { ...SHOP.spec, isolate: ['Ingress' as const] } };
    const egressOnly = policy('shop', 'egress-all', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{}],
    });
    expect(wideningOf(p, [egressOnly]).flows).toEqual([]);
  });

  it('two profiles on the same pods: each widens the other, and both are told', () => {
    const api = profile('api', {
      components: [{ name: 'server', podSelector: { matchLabels: { role: 'backend' } } }],
      allow: [{ from: { namespace: 'other' }, to: { component: 'server' }, ports: [{ port: 9000 }] }],
      allowDNS: false,
    });
    const shopOwn = rendered(SHOP);
    const apiOwn = rendered(api);
    const analyzer = new WideningAnalyzer(world, 'shop', [...shopOwn, ...apiOwn]);
    const onShop = analyzer.of(SHOP.spec.components, names(shopOwn));
    const onApi = analyzer.of(api.spec.components, names(apiOwn));
    expect(onShop.flows.map(extraFlowText)).toEqual([
      'ingress to backend from namespace other on TCP 9000 (by shop/api.server)',
    ]);
    expect(onApi.flows.map(extraFlowText)).toEqual([
      'ingress to server from workload frontend-1 on TCP 8080 (by shop/shop.backend)',
    ]);
  });

  it('a component with no pod yet is judged on the pod its matchLabels selects', () => {
    const w = wideningOf(SHOP, [ALLOW_ALL], [OTHER]);
    expect(w.policies).toEqual(['shop/allow-all']);
    expect(w.flows.some((f) => f.component === 'backend' && f.peer === 'namespace other')).toBe(true);
  });
});

describe('widening before any pod runs', () => {
  it('components are judged, and are peers, as the pods their matchLabels select', () => {
    const twin = profile('twin', {
      components: SHOP.spec.components,
      allow: [{ from: { cidr: '198.51.100.0/24' }, to: { component: 'backend' }, ports: [{ port: 9090 }] }],
      allowDNS: false,
    });
    const shopOwn = rendered(SHOP);
    const twinOwn = rendered(twin);
    const analyzer = new WideningAnalyzer({ ...world, pods: [] }, 'shop', [...shopOwn, ...twinOwn]);
    expect(analyzer.of(twin.spec.components, names(twinOwn)).flows.map(extraFlowText)).toEqual([
      'ingress to backend from component frontend on TCP 8080 (by shop/shop.backend)',
      'egress from frontend to component backend on TCP 8080 (by shop/shop.frontend)',
    ]);
    expect(analyzer.of(SHOP.spec.components, names(shopOwn)).flows.map(extraFlowText)).toEqual([
      'ingress to backend from addresses 198.51.100.0/24 on TCP 9090 (by shop/twin.backend)',
    ]);
  });
});

describe('explain names the widening policy', () => {
  it('a rule of another policy that alone allows a connection says whose intent it widens', () => {
    const own = rendered(SHOP);
    const v = explainConnection(
      { ...world, policies: [...own, ALLOW_ALL], profiles: [SHOP] },
      OTHER,
      BACKEND,
      8080,
    );
    expect(v.allowed).toBe(true);
    expect(v.reasons.find((r) => r.startsWith('ingress'))).toContain(
      'allowed by shop/allow-all spec.ingress[0] [widens the intent of shop/shop]',
    );
    // Declared by the profile itself: nothing is widened, even though allow-all allows it too.
    const declared = explainConnection(
      { ...world, policies: [...own, ALLOW_ALL], profiles: [SHOP] },
      FRONTEND,
      BACKEND,
      8080,
    );
    expect(declared.reasons.join('\n')).not.toContain('widens');
  });
});

describe('address regions', () => {
  it('cuts both families at every block and except boundary', () => {
    const texts = addressRegions(['10.0.0.0/8', '10.1.0.0/16', '2001:db8::/32']).map((r) => r.text);
    expect(texts).toEqual([
      '0.0.0.0-9.255.255.255',
      '10.0.0.0/16',
      '10.1.0.0/16',
      '10.2.0.0-10.255.255.255',
      '11.0.0.0-255.255.255.255',
      '::-2001:db7:ffff:ffff:ffff:ffff:ffff:ffff',
      '2001:db8::/32',
      '2001:db9::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ]);
  });
});
