// How the dataplane tier asks the evaluator about one probe (test/dataplane/verdicts.ts): pods by
// "namespace/name" with the packet's own address, addresses outside by IP, and the probes it
// cannot model named with the reason rather than judged.
import { ReachabilityAnalyzer, type World } from '../../../src/analysis/index.js';
import type { NetworkPolicy } from '../../../src/compiler/index.js';
import type { Observed } from '../../dataplane/observe.js';
import { judge } from '../../dataplane/verdicts.js';

// Ingress to app=server only from 10.244.0.0/24 (an ipBlock) on 8080.
const POLICY: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'server', namespace: 'a', labels: {} },
  spec: {
    podSelector: { matchLabels: { app: 'server' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/24' } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
  },
};

const WORLD: World = {
  namespaces: [{ name: 'a' }],
  pods: [
    { namespace: 'a', name: 'server', labels: { app: 'server' }, ip: '10.244.1.2', ports: [] },
    // Dual stack: only its IPv4 address is inside the ipBlock.
    {
      namespace: 'a',
      name: 'client',
      labels: { app: 'client' },
      ip: '10.244.0.5',
      ips: ['10.244.0.5', 'fd00::5'],
    },
    { namespace: 'a', name: 'pending', labels: {}, ip: '' },
  ],
  policies: [POLICY],
};

const probe = (fromRef: string, fromIp: string, toRef: string, toIp: string, port = 8080): Observed => ({
  from: fromRef,
  to: toRef,
  port,
  allowed: true,
  family: fromIp.includes(':') ? 6 : 4,
  fromRef,
  toRef,
  fromIp,
  toIp,
  connected: true,
  outcome: 'connected',
});

const analyzer = new ReachabilityAnalyzer(WORLD);

it('judges a pod by the address the packet carries, not by any of its addresses', () => {
  expect(judge(analyzer, probe('a/client', '10.244.0.5', 'a/server', '10.244.1.2'))).toEqual({
    verdict: true,
  });
  expect(judge(analyzer, probe('a/client', 'fd00::5', 'a/server', 'fd00::2'))).toEqual({
    leftOut: "a/server: fd00::2 is not among the pod's published IPs",
  });
  const v6 = {
    ...WORLD,
    pods: WORLD.pods.map((p) => (p.name === 'server' ? { ...p, ips: [p.ip, 'fd00::2'] } : p)),
  };
  expect(judge(new ReachabilityAnalyzer(v6), probe('a/client', 'fd00::5', 'a/server', 'fd00::2'))).toEqual({
    verdict: false,
  });
  expect(judge(analyzer, probe('a/client', '10.244.0.5', 'a/server', '10.244.1.2', 9090))).toEqual({
    verdict: false,
  });
});

it('judges an address outside the cluster by its IP', () => {
  expect(judge(analyzer, probe('10.244.0.9', '10.244.0.9', 'a/server', '10.244.1.2'))).toEqual({
    verdict: true,
  });
  expect(judge(analyzer, probe('198.51.100.1', '198.51.100.1', 'a/server', '10.244.1.2'))).toEqual({
    verdict: false,
  });
});

it('names what it cannot model instead of judging it', () => {
  expect(judge(analyzer, probe('a/ghost', '10.244.0.7', 'a/server', '10.244.1.2'))).toEqual({
    leftOut: 'a/ghost: no such pod in the API',
  });
  expect(judge(analyzer, probe('a/pending', '10.244.0.8', 'a/server', '10.244.1.2'))).toEqual({
    leftOut: "a/pending: 10.244.0.8 is not among the pod's published IPs",
  });
  expect(judge(analyzer, probe('10.244.0.5', '10.244.0.5', 'a/server', '10.244.1.2'))).toEqual({
    leftOut: '10.244.0.5 is an address of pod a/client, not outside',
  });
  expect(judge(analyzer, probe('198.51.100.1', '198.51.100.1', '203.0.113.1', '203.0.113.1'))).toEqual({
    leftOut: 'neither end is a pod: no NetworkPolicy judges it',
  });
});
