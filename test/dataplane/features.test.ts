// NetworkPolicy features on packets, each written as a profile and applied through the real
// operator: cross-namespace peers, ipBlock with except (egress and ingress), named ports, port
// ranges, UDP, and IPv6 (pod to pod, and an IPv6 ipBlock). Each starts with a control (no profile:
// every probe connects) and ends by comparing packets with the evaluator on the live world.
import { randomBytes } from 'node:crypto';
import { BASELINE_OPT_OUT_LABEL, BASELINE_OPT_OUT_VALUE } from '../../src/compiler/index.js';
import type { Operator } from '../../src/controller/operator.js';
import type { ServedPort } from './agent.js';
import type { Dataplane, Host } from './dataplane.js';
import { hostHasIpv6 } from './host.js';
import { recordLatency } from './latency.js';
import { type Check, type Family, lines, timeUntil, untilObserved } from './observe.js';
import { applyProfile, waitReady } from './profiles.js';
import { describeDataplane, setUpDataplane, tearDownDataplane } from './suite.js';
import { judgeAndRecord } from './verdicts.js';
import { applyNamespace } from './world.js';

interface FeaturePod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ports?: ServedPort[];
}

interface Feature {
  name: string;
  /** Namespace name -> its labels (each also opts out of the baseline: the profile alone decides). */
  namespaces: Record<string, Record<string, string>>;
  pods: Record<string, FeaturePod>;
  externals?: Record<string, { ip: string; ports: ServedPort[] }>;
  profile: Record<string, unknown>;
  checks: Check[];
  /** The address family of the checks (IPv6 features need the host's IPv6). */
  family?: Family;
  /** Also run the pod-to-pod checks over IPv6. */
  alsoIpv6?: boolean;
}

const suffix = randomBytes(2).toString('hex');
const ns = (name: string) => `${name}-${suffix}`;
const tcp = (port: number, name?: string): ServedPort => ({
  port,
  protocol: 'TCP',
  ...(name ? { name } : {}),
});
const udp = (port: number): ServedPort => ({ port, protocol: 'UDP' });
const profile = (namespace: string, spec: Record<string, unknown>) => ({
  apiVersion: 'apptrust.dev/v1alpha1',
  kind: 'AppTrustProfile',
  metadata: { name: 'feature', namespace },
  spec: { allowDNS: false, ...spec },
});

const FEATURES: Feature[] = [
  {
    name: 'cross-namespace peers: a namespace by name with a pod selector, and a namespace selector',
    namespaces: { [ns('xns-api')]: {}, [ns('xns-blue')]: { team: 'blue' }, [ns('xns-red')]: { team: 'red' } },
    pods: {
      api: { namespace: ns('xns-api'), name: 'api', labels: { app: 'api' }, ports: [tcp(8080)] },
      neighbour: { namespace: ns('xns-api'), name: 'neighbour', labels: { app: 'neighbour' } },
      blueClient: { namespace: ns('xns-blue'), name: 'client', labels: { app: 'client' } },
      blueOther: { namespace: ns('xns-blue'), name: 'other', labels: { app: 'other' } },
      redAny: { namespace: ns('xns-red'), name: 'any', labels: { app: 'any' } },
    },
    profile: profile(ns('xns-api'), {
      isolate: ['Ingress'],
      components: [{ name: 'api', podSelector: { matchLabels: { app: 'api' } } }],
      allow: [
        {
          from: { namespace: ns('xns-blue'), podSelector: { matchLabels: { app: 'client' } } },
          to: { component: 'api' },
          ports: [{ port: 8080 }],
        },
        {
          from: { namespaceSelector: { matchLabels: { team: 'red' } } },
          to: { component: 'api' },
          ports: [{ port: 8080 }],
        },
      ],
    }),
    checks: [
      { from: 'blueOther', to: 'api', port: 8080, allowed: false },
      { from: 'blueClient', to: 'api', port: 8080, allowed: true },
      { from: 'redAny', to: 'api', port: 8080, allowed: true },
      { from: 'neighbour', to: 'api', port: 8080, allowed: false },
    ],
    alsoIpv6: true,
  },
  {
    name: 'ipBlock with except, egress and ingress',
    namespaces: { [ns('ipblock')]: {} },
    pods: { app: { namespace: ns('ipblock'), name: 'app', labels: { app: 'app' }, ports: [tcp(8080)] } },
    externals: {
      inside: { ip: '203.0.113.20', ports: [tcp(443), tcp(80)] },
      excepted: { ip: '203.0.113.140', ports: [tcp(443)] },
      outside: { ip: '198.51.100.99', ports: [tcp(443)] },
      client: { ip: '198.51.100.20', ports: [] },
      exceptedClient: { ip: '198.51.100.5', ports: [] },
    },
    profile: profile(ns('ipblock'), {
      components: [{ name: 'app', podSelector: { matchLabels: { app: 'app' } } }],
      allow: [
        {
          from: { component: 'app' },
          to: { cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] },
          ports: [{ port: 443 }],
        },
        {
          from: { cidr: '198.51.100.0/24', except: ['198.51.100.0/28'] },
          to: { component: 'app' },
          ports: [{ port: 8080 }],
        },
      ],
    }),
    checks: [
      { from: 'app', to: 'excepted', port: 443, allowed: false },
      { from: 'app', to: 'inside', port: 443, allowed: true },
      { from: 'app', to: 'inside', port: 80, allowed: false },
      { from: 'app', to: 'outside', port: 443, allowed: false },
      { from: 'client', to: 'app', port: 8080, allowed: true },
      { from: 'exceptedClient', to: 'app', port: 8080, allowed: false },
    ],
  },
  {
    name: 'named ports resolve per destination pod',
    namespaces: { [ns('named')]: {} },
    pods: {
      web1: {
        namespace: ns('named'),
        name: 'web1',
        labels: { app: 'web' },
        ports: [tcp(8080, 'http'), tcp(9090)],
      },
      web2: {
        namespace: ns('named'),
        name: 'web2',
        labels: { app: 'web' },
        ports: [tcp(9090, 'http'), tcp(8080)],
      },
      client: { namespace: ns('named'), name: 'client', labels: { app: 'client' } },
    },
    profile: profile(ns('named'), {
      isolate: ['Ingress'],
      components: [{ name: 'web', podSelector: { matchLabels: { app: 'web' } } }],
      allow: [
        {
          from: { podSelector: { matchLabels: { app: 'client' } } },
          to: { component: 'web' },
          ports: [{ port: 'http' }],
        },
      ],
    }),
    checks: [
      { from: 'client', to: 'web1', port: 9090, allowed: false },
      { from: 'client', to: 'web1', port: 8080, allowed: true },
      { from: 'client', to: 'web2', port: 9090, allowed: true },
      { from: 'client', to: 'web2', port: 8080, allowed: false },
    ],
    alsoIpv6: true,
  },
  {
    name: 'port ranges (endPort) and UDP',
    namespaces: { [ns('ports')]: {} },
    pods: {
      server: {
        namespace: ns('ports'),
        name: 'server',
        labels: { app: 'server' },
        ports: [tcp(8999), tcp(9000), tcp(9002), tcp(9003), udp(5353), tcp(5353), udp(5354)],
      },
      client: { namespace: ns('ports'), name: 'client', labels: { app: 'client' } },
    },
    profile: profile(ns('ports'), {
      isolate: ['Ingress'],
      components: [{ name: 'server', podSelector: { matchLabels: { app: 'server' } } }],
      allow: [
        {
          from: { podSelector: { matchLabels: { app: 'client' } } },
          to: { component: 'server' },
          ports: [
            { port: 9000, endPort: 9002 },
            { port: 5353, protocol: 'UDP' },
          ],
        },
      ],
    }),
    checks: [
      { from: 'client', to: 'server', port: 8999, allowed: false },
      { from: 'client', to: 'server', port: 9000, allowed: true },
      { from: 'client', to: 'server', port: 9002, allowed: true },
      { from: 'client', to: 'server', port: 9003, allowed: false },
      { from: 'client', to: 'server', port: 5353, protocol: 'UDP', allowed: true },
      { from: 'client', to: 'server', port: 5353, protocol: 'TCP', allowed: false },
      { from: 'client', to: 'server', port: 5354, protocol: 'UDP', allowed: false },
    ],
    alsoIpv6: true,
  },
  {
    name: 'IPv6 ipBlock with except',
    family: 6,
    namespaces: { [ns('ipv6')]: {} },
    pods: { app: { namespace: ns('ipv6'), name: 'app', labels: { app: 'app' } } },
    externals: {
      inside: { ip: '2001:db8:1::10', ports: [tcp(443)] },
      excepted: { ip: '2001:db8:1:ff::10', ports: [tcp(443)] },
      outside: { ip: '2001:db8:2::10', ports: [tcp(443)] },
    },
    profile: profile(ns('ipv6'), {
      isolate: ['Egress'],
      components: [{ name: 'app', podSelector: { matchLabels: { app: 'app' } } }],
      allow: [
        {
          from: { component: 'app' },
          to: { cidr: '2001:db8:1::/48', except: ['2001:db8:1:ff::/64'] },
          ports: [{ port: 443 }],
        },
      ],
    }),
    checks: [
      { from: 'app', to: 'excepted', port: 443, allowed: false },
      { from: 'app', to: 'inside', port: 443, allowed: true },
      { from: 'app', to: 'outside', port: 443, allowed: false },
    ],
  },
];

let dataplane: Dataplane;
let operator: Operator | undefined;
const IPV6 = hostHasIpv6();
if (!IPV6) console.warn('IPv6 features are skipped: this kernel has no IPv6 (/proc/sys/net/ipv6)');

async function start(feature: Feature): Promise<Record<string, Host>> {
  for (const [name, labels] of Object.entries(feature.namespaces))
    await applyNamespace(dataplane, name, { ...labels, [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
  const hosts: Record<string, Host> = {};
  await Promise.all([
    ...Object.entries(feature.pods).map(async ([endpoint, pod]) => {
      hosts[endpoint] = await dataplane.addPod(pod);
    }),
    ...Object.entries(feature.externals ?? {}).map(async ([endpoint, e]) => {
      hosts[endpoint] = await dataplane.addExternal({ name: endpoint, ...e });
    }),
  ]);
  return hosts;
}

describeDataplane('dataplane: NetworkPolicy features on packets through the real operator', () => {
  beforeAll(async () => ({ dataplane, operator } = await setUpDataplane()));
  afterAll(() => tearDownDataplane(dataplane, operator));

  it.each(FEATURES.filter((f) => f.family !== 6))('$name', (feature) => probeFeature(feature));
  // Reported as skipped, with the reason printed at load, where the kernel has no IPv6.
  (IPV6 ? it : it.skip).each(FEATURES.filter((f) => f.family === 6))('$name', (feature) =>
    probeFeature(feature),
  );
});

async function probeFeature(feature: Feature): Promise<void> {
  const family = feature.family ?? 4;
  const hosts = await start(feature);
  const open = feature.checks.map((c) => ({ ...c, allowed: true }));
  const control = await untilObserved(dataplane, hosts, open, family);
  expect(lines(control, 'connected')).toEqual(lines(control, 'allowed'));

  const flip = feature.checks[0] as Check; // the first check of each feature is one the profile blocks
  expect(flip.allowed).toBe(false);
  const to = hosts[flip.to] as Host;
  const written = await applyProfile(dataplane, feature.profile);
  const blocked = await timeUntil(
    dataplane,
    hosts[flip.from] as Host,
    (family === 6 ? to.ipv6 : to.ipv4) as string,
    flip.port,
    flip.protocol ?? 'TCP',
    false,
    written,
  );
  recordLatency(`feature ${feature.name}: ${flip.from} -> ${flip.to} blocked`, 'block', blocked);
  const { namespace, name } = feature.profile.metadata as { namespace: string; name: string };
  await waitReady(dataplane, namespace, name);

  const observed = await untilObserved(dataplane, hosts, feature.checks, family);
  expect(lines(observed, 'connected')).toEqual(lines(observed, 'allowed'));
  expect(await judgeAndRecord(dataplane, `feature ${feature.name}`, observed)).toEqual([]);

  if (feature.alsoIpv6 && dataplane.ipv6) {
    const v6 = await untilObserved(dataplane, hosts, feature.checks, 6);
    expect(lines(v6, 'connected')).toEqual(lines(v6, 'allowed'));
    expect(await judgeAndRecord(dataplane, `feature ${feature.name} (IPv6)`, v6)).toEqual([]);
  }
}
