import { baselinePolicyFor, type NetworkPolicy, renderProfile } from '../../../src/compiler/index.js';
import { component, inNamespace, profile, withMetadata, withSpec } from '../../helpers/profiles.js';

/** Two components, web and api; `spec` and `metadata` add to (or replace) what they name. */
const base = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  profile(
    'app',
    inNamespace('team'),
    withMetadata(metadata),
    component('web', { app: 'web' }),
    component('api', { app: 'api' }),
    withSpec(spec),
  );

function policy(result: ReturnType<typeof renderProfile>, name: string): NetworkPolicy {
  const found = result.policies.find((p) => p.metadata.name === name);
  if (!found)
    throw new Error(`no policy ${name} in ${result.policies.map((p) => p.metadata.name).join(',')}`);
  return found;
}

const DNS_RULE = {
  ports: [
    { port: 53, protocol: 'TCP' },
    { port: 53, protocol: 'UDP' },
  ],
  to: [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    },
  ],
};

describe('rendering rules', () => {
  it('renders one policy per component named <profile>.<component>, sorted by name', () => {
    const r = renderProfile(base({}));
    expect(r.policies.map((p) => p.metadata.name)).toEqual(['app.api', 'app.web']);
    expect(r.policies.every((p) => p.metadata.namespace === 'team')).toBe(true);
  });

  it('labels every policy and copies nothing from the profile', () => {
    const r = renderProfile(
      base(
        {},
        { labels: { 'app.kubernetes.io/instance': 'argo' }, annotations: { 'argocd.argoproj.io/x': 'y' } },
      ),
    );
    expect(policy(r, 'app.web').metadata).toEqual({
      name: 'app.web',
      namespace: 'team',
      labels: {
        'app.kubernetes.io/managed-by': 'apptrust-operator',
        'apptrust.dev/component': 'web',
        'apptrust.dev/profile': 'app',
      },
    });
  });

  it('sets a controller ownerReference when the profile has a uid', () => {
    const r = renderProfile(base({}, { uid: '1234-abcd' }));
    expect(policy(r, 'app.web').metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apptrust.dev/v1alpha1',
        kind: 'AppTrustProfile',
        name: 'app',
        uid: '1234-abcd',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('defaults to isolating both directions with DNS egress and no other rules', () => {
    const web = policy(renderProfile(base({})), 'app.web');
    expect(web.spec).toEqual({
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress', 'Egress'],
      egress: [DNS_RULE],
    });
  });

  it('orders policyTypes Ingress, Egress whatever the order written', () => {
    const web = policy(renderProfile(base({ isolate: ['Egress', 'Ingress'] })), 'app.web');
    expect(web.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  it('renders a component->component flow as egress on the source and ingress on the destination', () => {
    const r = renderProfile(
      base({
        allowDNS: false,
        allow: [{ from: { component: 'web' }, to: { component: 'api' }, ports: [{ port: 8080 }] }],
      }),
    );
    expect(policy(r, 'app.web').spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    expect(policy(r, 'app.api').spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    expect(policy(r, 'app.web').spec.ingress).toBeUndefined();
    expect(policy(r, 'app.api').spec.egress).toBeUndefined();
  });

  it('renders nothing in a direction that is not isolated', () => {
    const r = renderProfile(
      base({ isolate: ['Ingress'], allow: [{ from: { component: 'web' }, to: { component: 'api' } }] }),
    );
    expect(policy(r, 'app.web').spec).toEqual({
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress'],
    });
    expect(policy(r, 'app.api').spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'web' } } }] },
    ]);
    expect(policy(r, 'app.api').spec.egress).toBeUndefined();
  });

  it('omits DNS when allowDNS is false or Egress is not isolated', () => {
    expect(policy(renderProfile(base({ allowDNS: false })), 'app.web').spec.egress).toBeUndefined();
    expect(policy(renderProfile(base({ isolate: ['Ingress'] })), 'app.web').spec.egress).toBeUndefined();
  });

  it('uses the configured DNS peer and ports', () => {
    const settings = {
      dnsPeer: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-dns' } } },
      dnsPorts: [{ protocol: 'UDP' as const, port: 5353 }],
    };
    const web = policy(renderProfile(base({}), { settings }), 'app.web');
    expect(web.spec.egress).toEqual([{ to: [settings.dnsPeer], ports: [{ protocol: 'UDP', port: 5353 }] }]);
  });

  it('renders every endpoint form as its NetworkPolicy peer', () => {
    const sel = { matchLabels: { x: 'y' } };
    const r = renderProfile(
      base({
        allowDNS: false,
        allow: [
          { from: { podSelector: sel }, to: { component: 'api' } },
          { from: { namespace: 'monitoring' }, to: { component: 'api' } },
          { from: { namespace: 'edge', podSelector: sel }, to: { component: 'api' } },
          { from: { namespaceSelector: { matchLabels: { env: 'prod' } } }, to: { component: 'api' } },
          {
            from: { namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: sel },
            to: { component: 'api' },
          },
          { from: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }, to: { component: 'api' } },
          { from: { cidr: '2001:db8::/32' }, to: { component: 'api' } },
        ],
      }),
    );
    const peers = (policy(r, 'app.api').spec.ingress ?? []).flatMap((rule) => rule.from);
    expect(peers).toEqual(
      expect.arrayContaining([
        { podSelector: sel },
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: {},
        },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } }, podSelector: sel },
        { namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: {} },
        { namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: sel },
        { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
        { ipBlock: { cidr: '2001:db8::/32' } },
      ]),
    );
    expect(peers).toHaveLength(7);
  });

  it('renders ports with explicit protocol, ranges, names; omitted or [] ports mean all ports', () => {
    const r = renderProfile(
      base({
        allowDNS: false,
        allow: [
          {
            from: { component: 'web' },
            to: { component: 'api' },
            ports: [{ port: 'http' }, { port: 9000, endPort: 9010, protocol: 'UDP' }],
          },
          { from: { component: 'api' }, to: { component: 'web' }, ports: [] },
        ],
      }),
    );
    expect(policy(r, 'app.api').spec.ingress?.[0]?.ports).toEqual([
      { protocol: 'TCP', port: 'http' },
      { protocol: 'UDP', port: 9000, endPort: 9010 },
    ]);
    expect(policy(r, 'app.web').spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'api' } } }] },
    ]);
  });

  it('merges flows to the same peer into one rule with the union of ports; all ports wins', () => {
    const r = renderProfile(
      base({
        allowDNS: false,
        allow: [
          { from: { component: 'web' }, to: { component: 'api' }, ports: [{ port: 8080 }] },
          {
            from: { component: 'web' },
            to: { component: 'api' },
            ports: [{ port: 53, protocol: 'UDP' }, { port: 8080 }],
          },
          { from: { component: 'web' }, to: { cidr: '1.2.3.4/32' }, ports: [{ port: 443 }] },
          { from: { component: 'web' }, to: { cidr: '1.2.3.4/32' } },
        ],
      }),
    );
    expect(policy(r, 'app.web').spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '1.2.3.4/32' } }] },
      {
        to: [{ podSelector: { matchLabels: { app: 'api' } } }],
        ports: [
          { protocol: 'TCP', port: 8080 },
          { protocol: 'UDP', port: 53 },
        ],
      },
    ]);
  });

  it('canonicalizes selectors: empty parts dropped, expression values sorted', () => {
    const r = renderProfile({
      ...base({}),
      spec: {
        allowDNS: false,
        components: [
          {
            name: 'web',
            podSelector: {
              matchLabels: {},
              matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a', 'b'] }],
            },
          },
        ],
      },
    });
    expect(r.policies[0]?.spec.podSelector).toEqual({
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
    });
  });

  it('a {} component selects every pod of the namespace', () => {
    const r = renderProfile({ ...base({}), spec: { components: [{ name: 'all', podSelector: {} }] } });
    expect(r.policies[0]?.spec.podSelector).toEqual({});
  });

  it('truncates long names and label values stably with a hash, keeping the full name in an annotation', () => {
    const longName = `${'a'.repeat(200)}.${'b'.repeat(52)}`;
    const component = 'c'.repeat(63);
    const r1 = renderProfile(
      base({ components: [{ name: component, podSelector: {} }] }, { name: longName }),
    );
    const r2 = renderProfile(
      base({ components: [{ name: component, podSelector: {} }] }, { name: longName }),
    );
    const p = r1.policies[0] as NetworkPolicy;
    expect(p.metadata.name.length).toBeLessThanOrEqual(253);
    expect(p.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?-[0-9a-f]{10}$/);
    expect(p.metadata.name).toBe(r2.policies[0]?.metadata.name);
    const label = p.metadata.labels['apptrust.dev/profile'] as string;
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label).toMatch(/^a+-[0-9a-f]{10}$/);
    expect(p.metadata.annotations).toEqual({ 'apptrust.dev/profile-name': longName });
    // A different long name must not collide after truncation.
    const other = renderProfile(
      base({ components: [{ name: component, podSelector: {} }] }, { name: `${longName.slice(0, -1)}c` }),
    );
    expect(other.policies[0]?.metadata.name).not.toBe(p.metadata.name);
  });

  it('uses the default namespace when the profile names none', () => {
    const input = base({});
    delete (input.metadata as { namespace?: string }).namespace;
    expect(renderProfile(input).policies[0]?.metadata.namespace).toBe('default');
    expect(renderProfile(input, { defaultNamespace: 'dev' }).policies[0]?.metadata.namespace).toBe('dev');
  });

  it('renders no field named _from anywhere (the client-node model pitfall)', () => {
    const r = renderProfile(base({ allow: [{ from: { component: 'web' }, to: { component: 'api' } }] }));
    expect(JSON.stringify(r.policies)).not.toContain('_from');
    expect(JSON.stringify(r.policies)).toContain('"from"');
  });
});

describe('baseline', () => {
  it('is a deny-all policy named apptrust-default-deny', () => {
    expect(baselinePolicyFor('team', { allowDNS: false })).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'apptrust-default-deny',
        namespace: 'team',
        labels: {
          'app.kubernetes.io/managed-by': 'apptrust-operator',
          'apptrust.dev/policy-kind': 'baseline',
        },
        annotations: {
          'apptrust.dev/description': expect.stringContaining(
            'kubectl label namespace team apptrust.dev/baseline=disabled',
          ),
        },
      },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  });

  it('optionally allows DNS egress', () => {
    expect(baselinePolicyFor('team', { allowDNS: true }).spec.egress).toEqual([DNS_RULE]);
  });
});
