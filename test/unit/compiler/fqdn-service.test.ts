// fqdn and service endpoints: rendered from addresses and Service objects given as data.
import { MAX_FQDN_ADDRESSES, MAX_FQDN_NAMES } from '../../../src/api/v1alpha1/index.js';
import { formatDiagnostic, renderProfile, type ServiceObject } from '../../../src/compiler/index.js';

const NS = 'shop';
const profile = (allow: unknown[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apptrust.dev/v1alpha1',
  kind: 'AppTrustProfile',
  metadata: { name: 'p', namespace: NS },
  spec: {
    allowDNS: false,
    components: [
      { name: 'frontend', podSelector: { matchLabels: { role: 'frontend' } } },
      { name: 'payments', podSelector: { matchLabels: { role: 'payments' } } },
    ],
    allow,
    ...extra,
  },
});
const service = (name: string, spec: ServiceObject['spec'], namespace = NS): ServiceObject => ({
  metadata: { name, namespace },
  spec,
});
const services = (...list: ServiceObject[]) =>
  new Map(list.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
const policyOf = (r: ReturnType<typeof renderProfile>, component: string) =>
  r.policies.find((p) => p.metadata.name === `p.${component}`);
const problems = (r: ReturnType<typeof renderProfile>) => r.diagnostics.map(formatDiagnostic);

describe('to: {fqdn}', () => {
  const flow = {
    from: { component: 'payments' },
    to: { fqdn: 'api.payments.example' },
    ports: [{ port: 443 }],
  };

  it('renders one /32 or /128 ipBlock per address with the flow ports', () => {
    const r = renderProfile(profile([flow]), {
      inputs: { fqdn: new Map([['api.payments.example', ['192.0.2.10', '2001:DB8::1', '192.0.2.9']]]) },
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.unresolved).toEqual([]);
    expect(policyOf(r, 'payments')?.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '192.0.2.10/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '192.0.2.9/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '2001:db8::1/128' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
  });

  it('renders nothing for an unresolved name (never an empty `to`, which would allow everything) and reports it', () => {
    const r = renderProfile(profile([flow]));
    expect(r.diagnostics).toEqual([]);
    expect(r.unresolved).toEqual(['api.payments.example']);
    const payments = policyOf(r, 'payments');
    expect(payments?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(payments?.spec.egress).toBeUndefined();
  });

  it('is the same output whatever the order of the answers', () => {
    const a = renderProfile(profile([flow]), {
      inputs: { fqdn: new Map([['api.payments.example', ['192.0.2.1', '192.0.2.2']]]) },
    });
    const b = renderProfile(profile([flow]), {
      inputs: { fqdn: new Map([['api.payments.example', ['192.0.2.2', '192.0.2.1', '192.0.2.1']]]) },
    });
    expect(JSON.stringify(a.policies)).toBe(JSON.stringify(b.policies));
  });

  it('refuses more addresses than a name may have', () => {
    const many = Array.from({ length: MAX_FQDN_ADDRESSES + 1 }, (_, i) => `198.51.100.${i + 1}`);
    const r = renderProfile(profile([flow]), { inputs: { fqdn: new Map([['api.payments.example', many]]) } });
    expect(r.policies).toEqual([]);
    expect(problems(r)).toEqual([
      `spec.allow[0].to.fqdn: api.payments.example has ${MAX_FQDN_ADDRESSES + 1} addresses; at most ${MAX_FQDN_ADDRESSES} per name`,
    ]);
  });

  it.each([
    [
      '*.payments.example',
      'spec.allow[0].to.fqdn: wildcards are not supported (yet): name each host exactly, e.g. api.payments.example',
    ],
    [
      'API.payments.example',
      'spec.allow[0].to.fqdn: must be lowercase: DNS names are written in lowercase here (exact match)',
    ],
    [
      'api..example',
      "spec.allow[0].to.fqdn: must be an exact DNS name: lowercase labels of a-z, 0-9, '-' (<= 63 chars each) joined by dots, <= 253 chars, no trailing dot",
    ],
    [
      'api.example.',
      "spec.allow[0].to.fqdn: must be an exact DNS name: lowercase labels of a-z, 0-9, '-' (<= 63 chars each) joined by dots, <= 253 chars, no trailing dot",
    ],
  ])('refuses the name %s', (name, message) => {
    const r = renderProfile(profile([{ from: { component: 'payments' }, to: { fqdn: name } }]));
    expect(problems(r)).toEqual([message]);
  });

  it('is egress only', () => {
    const r = renderProfile(
      profile([{ from: { fqdn: 'api.payments.example' }, to: { component: 'payments' } }]),
    );
    expect(problems(r)).toEqual([
      'spec.allow[0].from.fqdn: fqdn is for egress only (to: {fqdn: NAME}): a DNS name says where traffic goes, not where it comes from',
    ]);
  });

  it('bounds the distinct names of a profile', () => {
    const flows = Array.from({ length: MAX_FQDN_NAMES + 1 }, (_, i) => ({
      from: { component: 'payments' },
      to: { fqdn: `h${i}.example` },
    }));
    expect(problems(renderProfile(profile(flows)))).toEqual([
      `spec.allow: names ${MAX_FQDN_NAMES + 1} distinct DNS names (to.fqdn); at most ${MAX_FQDN_NAMES} per profile`,
    ]);
  });

  it('refuses fqdn with another form or a podSelector', () => {
    const r = renderProfile(
      profile([{ from: { component: 'payments' }, to: { fqdn: 'a.example', cidr: '192.0.2.0/24' } }]),
    );
    expect(problems(r)).toEqual([
      'spec.allow[0].to: must have exactly one endpoint form, found cidr and fqdn',
    ]);
    const s = renderProfile(
      profile([{ from: { component: 'payments' }, to: { fqdn: 'a.example', podSelector: {} } }]),
    );
    expect(problems(s)).toEqual([
      'spec.allow[0].to.podSelector: goes alone or with namespace or namespaceSelector, not with fqdn',
    ]);
  });
});

describe('to/from: {service}', () => {
  const backend = service('backend', {
    selector: { app: 'backend', tier: 'api' },
    ports: [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'grpc', port: 9000, targetPort: 'grpc-port' },
      { name: 'metrics', port: 9100, protocol: 'UDP' },
    ],
  });

  it('renders the Service selector as the peer and flow ports as targetPorts (numbers and names)', () => {
    const r = renderProfile(
      profile([
        {
          from: { component: 'frontend' },
          to: { service: 'backend' },
          ports: [{ port: 80 }, { port: 'grpc' }],
        },
      ]),
      { inputs: { services: services(backend) } },
    );
    expect(r.diagnostics).toEqual([]);
    expect(policyOf(r, 'frontend')?.spec.egress).toEqual([
      {
        to: [{ podSelector: { matchLabels: { app: 'backend', tier: 'api' } } }],
        ports: [
          { protocol: 'TCP', port: 8080 },
          { protocol: 'TCP', port: 'grpc-port' },
        ],
      },
    ]);
  });

  it('allows every port of the Service (as targetPorts) when the flow names none', () => {
    const r = renderProfile(profile([{ from: { component: 'frontend' }, to: { service: 'backend' } }]), {
      inputs: { services: services(backend) },
    });
    expect(policyOf(r, 'frontend')?.spec.egress?.[0]?.ports).toEqual([
      { protocol: 'TCP', port: 8080 },
      { protocol: 'TCP', port: 'grpc-port' },
      { protocol: 'UDP', port: 9100 },
    ]);
  });

  it('selects a Service of another namespace by its name label and its selector, in one peer', () => {
    const other = service('ledger', { selector: { app: 'ledger' }, ports: [{ port: 5432 }] }, 'finance');
    const r = renderProfile(
      profile([{ from: { component: 'frontend' }, to: { service: 'ledger', namespace: 'finance' } }]),
      { inputs: { services: services(other) } },
    );
    expect(r.diagnostics).toEqual([]);
    expect(policyOf(r, 'frontend')?.spec.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'finance' } },
            podSelector: { matchLabels: { app: 'ledger' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
    ]);
  });

  it('as a source: an ingress rule from the Service pods on the component ports', () => {
    const r = renderProfile(
      profile([{ from: { service: 'backend' }, to: { component: 'payments' }, ports: [{ port: 8443 }] }]),
      { inputs: { services: services(backend) } },
    );
    expect(policyOf(r, 'payments')?.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { app: 'backend', tier: 'api' } } }],
        ports: [{ protocol: 'TCP', port: 8443 }],
      },
    ]);
  });

  it.each([
    ['missing', undefined, 'Service shop/backend not found'],
    [
      'without selector',
      service('backend', { ports: [{ port: 80 }] }),
      'Service shop/backend has no selector (its endpoints are managed by hand): refused, it would select every pod',
    ],
    [
      'with an empty selector',
      service('backend', { selector: {}, ports: [{ port: 80 }] }),
      'Service shop/backend has no selector (its endpoints are managed by hand): refused, it would select every pod',
    ],
    [
      'ExternalName',
      service('backend', { type: 'ExternalName' }),
      'Service shop/backend is of type ExternalName: no pods behind it to select (use fqdn for an outside name)',
    ],
  ])('refuses a Service %s: nothing rendered (never all pods)', (_what, svc, message) => {
    const r = renderProfile(profile([{ from: { component: 'frontend' }, to: { service: 'backend' } }]), {
      inputs: { services: svc ? services(svc) : new Map() },
    });
    expect(r.policies).toEqual([]);
    expect(problems(r)).toEqual([`spec.allow[0].to.service: ${message}`]);
  });

  it('refuses a flow port that names no Service port, and a range', () => {
    const r = renderProfile(
      profile([
        {
          from: { component: 'frontend' },
          to: { service: 'backend' },
          ports: [{ port: 443 }, { port: 'metrics', protocol: 'TCP' }, { port: 80, endPort: 90 }],
        },
      ]),
      { inputs: { services: services(backend) } },
    );
    expect(r.policies).toEqual([]);
    expect(problems(r)).toEqual([
      'spec.allow[0].ports[0]: Service shop/backend has no port 443 (its ports: http 80/TCP, grpc 9000/TCP, metrics 9100/UDP)',
      'spec.allow[0].ports[1]: Service shop/backend has no port metrics/TCP (its ports: http 80/TCP, grpc 9000/TCP, metrics 9100/UDP)',
      'spec.allow[0].ports[2]: a port range cannot name Service ports: name each port',
    ]);
  });

  it('accepts namespace with service (its namespace), refuses service with podSelector', () => {
    const r = renderProfile(
      profile([{ from: { component: 'frontend' }, to: { service: 'backend', podSelector: {} } }]),
      { inputs: { services: services(backend) } },
    );
    expect(problems(r)).toEqual([
      'spec.allow[0].to.podSelector: goes alone or with namespace or namespaceSelector, not with service',
    ]);
  });
});
