// The evaluator's semantics one rule at a time, its reasons (policy, rule, profile flow), workloads and diffs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  diffWorlds,
  explainConnection,
  isAllowed,
  type Pod,
  reachabilityMatrix,
  type World,
} from '../../../src/analysis/index.js';
import type { AppTrustProfile } from '../../../src/api/v1alpha1/index.js';
import { baselinePolicyFor, type NetworkPolicy, renderProfile } from '../../../src/compiler/index.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const pod = (
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ip: string,
  extra: Partial<Pod> = {},
): Pod => ({
  namespace,
  name,
  labels,
  ip,
  ...extra,
});
const policy = (namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace, labels: {} },
  spec,
});
const A = pod('x', 'a', { app: 'a', tier: 'web' }, '10.0.0.1', { ports: [{ port: 8080, name: 'http' }] });
const B = pod('x', 'b', { app: 'b' }, '10.0.0.2', { ports: [{ port: 9090, name: 'http' }] });
const C = pod('y', 'c', { app: 'c' }, '10.0.1.3');
const world = (policies: NetworkPolicy[]): World => ({
  namespaces: [{ name: 'x' }, { name: 'y', labels: { team: 'blue' } }],
  pods: [A, B, C],
  policies,
});

describe('NetworkPolicy semantics', () => {
  it('matchExpressions: In, NotIn, Exists, DoesNotExist', () => {
    const only = (expr: object) =>
      world([
        policy('x', 'p', {
          podSelector: { matchLabels: { app: 'b' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchExpressions: [expr as never] } }] }],
        }),
      ]);
    expect(isAllowed(only({ key: 'app', operator: 'In', values: ['a'] }), A, B, 9090)).toBe(true);
    expect(isAllowed(only({ key: 'app', operator: 'NotIn', values: ['a'] }), A, B, 9090)).toBe(false);
    expect(isAllowed(only({ key: 'tier', operator: 'Exists' }), A, B, 9090)).toBe(true);
    expect(isAllowed(only({ key: 'tier', operator: 'DoesNotExist' }), A, B, 9090)).toBe(false);
  });

  it('a named port resolves against the destination pod, with its protocol', () => {
    const w = world([
      policy('x', 'p', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ ports: [{ protocol: 'TCP', port: 'http' }] }],
      }),
    ]);
    expect(isAllowed(w, C, A, 8080)).toBe(true);
    expect(isAllowed(w, C, A, 9090)).toBe(false);
    expect(isAllowed(w, C, B, 9090)).toBe(true);
    expect(isAllowed(w, C, B, 9090, 'UDP')).toBe(false);
  });

  it('endPort: the whole range, inclusive, and nothing else', () => {
    const w = world([
      policy('x', 'p', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ ports: [{ protocol: 'TCP', port: 8000, endPort: 8100 }] }],
      }),
    ]);
    expect([7999, 8000, 8050, 8100, 8101].map((p) => isAllowed(w, C, A, p))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it('ipBlock with except, for outside addresses and pod IPs', () => {
    const w = world([
      policy('x', 'p', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] } }] }],
      }),
    ]);
    expect(isAllowed(w, A, { ip: '10.0.200.1' }, 443)).toBe(true);
    expect(isAllowed(w, A, { ip: '10.0.1.9' }, 443)).toBe(false);
    expect(isAllowed(w, A, C, 443)).toBe(false);
    expect(isAllowed(w, A, B, 443)).toBe(true);
    expect(isAllowed(w, A, { ip: '2001:db8::1' }, 443)).toBe(false);
  });

  it('policies are a union: a second policy adds, never removes', () => {
    const one = policy('x', 'one', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ protocol: 'TCP', port: 8080 }] }],
    });
    const two = policy('x', 'two', {
      podSelector: { matchLabels: { app: 'a' } },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ protocol: 'TCP', port: 9 }] }],
    });
    expect(isAllowed(world([one]), C, A, 9)).toBe(false);
    expect(isAllowed(world([one, two]), C, A, 9)).toBe(true);
    expect(isAllowed(world([one, two]), C, A, 8080)).toBe(true);
  });

  it('policyTypes default to Ingress, plus Egress when egress rules exist', () => {
    const ingressOnly = policy('x', 'p', { podSelector: {}, ingress: [] } as never);
    expect(isAllowed(world([ingressOnly]), A, C, 80)).toBe(true);
    expect(isAllowed(world([ingressOnly]), C, A, 80)).toBe(false);
    const withEgress = policy('x', 'p', {
      podSelector: {},
      egress: [{ ports: [{ protocol: 'TCP', port: 53 }] }],
    } as never);
    expect(isAllowed(world([withEgress]), A, C, 80)).toBe(false);
    expect(isAllowed(world([withEgress]), A, C, 53)).toBe(true);
    expect(isAllowed(world([withEgress]), C, A, 80)).toBe(false);
  });

  it('needs both directions: egress of the source and ingress of the destination', () => {
    const egress = policy('x', 'out', {
      podSelector: { matchLabels: { app: 'a' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }] }],
    });
    const ingress = policy('y', 'in', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'b' } } }] }],
    });
    expect(isAllowed(world([egress]), A, C, 80)).toBe(true);
    expect(isAllowed(world([egress, ingress]), A, C, 80)).toBe(false);
    expect(isAllowed(world([egress, ingress]), B, C, 80)).toBe(true);
    const v = explainConnection(world([egress, ingress]), A, C, 80);
    expect(v.reasons).toEqual([
      'egress from x/a: isolated by x/out; allowed by x/out spec.egress[0]',
      'ingress to y/c: isolated by y/in; no rule allows',
    ]);
  });
});

describe('reasons name the profile flow that rendered the rule', () => {
  const profile = parse(
    readFileSync(join(ROOT, 'config/samples/frontend-backend.yaml'), 'utf8'),
  ) as AppTrustProfile;
  const { policies } = renderProfile(profile);
  const frontend = pod('shop', 'frontend-1', { role: 'frontend' }, '10.2.0.1');
  const backend = pod('shop', 'backend-1', { role: 'backend' }, '10.2.0.2');
  const other = pod('shop', 'other', { role: 'other' }, '10.2.0.3');
  const nginx = pod('ingress-nginx', 'controller', { app: 'nginx' }, '10.3.0.1');
  const dns = pod('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, '10.0.0.10');
  const shop: World = {
    namespaces: [{ name: 'shop' }, { name: 'ingress-nginx' }, { name: 'kube-system' }],
    pods: [frontend, backend, other, nginx, dns],
    policies: [...policies, baselinePolicyFor('shop', { allowDNS: false })],
    profiles: [profile],
  };
  const name = (component: string) =>
    (policies.find((p) => p.metadata.labels['apptrust.dev/component'] === component) as NetworkPolicy)
      .metadata.name;

  it('an allowed flow: both rules, each with its spec.allow index', () => {
    const v = explainConnection(shop, frontend, backend, 8080);
    expect(v.allowed).toBe(true);
    expect(v.egress?.allowedBy.map((m) => m.flows)).toEqual([['shop/shop spec.allow[1]']]);
    expect(v.ingress?.allowedBy.map((m) => m.flows)).toEqual([['shop/shop spec.allow[1]']]);
    expect(v.reasons[1]).toMatch(
      new RegExp(
        `^ingress to shop/backend-1: isolated by shop/apptrust-default-deny, shop/${name('backend')}; allowed by shop/${name('backend')} spec\\.ingress\\[\\d\\] \\(shop/shop spec\\.allow\\[1\\]\\)$`,
      ),
    );
  });

  it('DNS is attributed to spec.allowDNS; a denied flow says no rule allows; an open pod is allowed by default', () => {
    expect(explainConnection(shop, backend, dns, 53, 'UDP').reasons[0]).toContain(
      '(shop/shop spec.allowDNS)',
    );
    expect(explainConnection(shop, frontend, backend, 9090).reasons[1]).toMatch(/; no rule allows$/);
    expect(explainConnection(shop, nginx, other, 80).reasons).toEqual([
      'egress from ingress-nginx/controller: not isolated: allowed by default',
      'ingress to shop/other: isolated by shop/apptrust-default-deny; no rule allows',
    ]);
    expect(explainConnection(shop, nginx, frontend, 8080).ingress?.allowedBy[0]?.flows).toEqual([
      'shop/shop spec.allow[0]',
    ]);
    expect(explainConnection(shop, backend, { ip: '203.0.113.10' }, 443).reasons).toEqual([
      expect.stringContaining('(shop/shop spec.allow[2])'),
    ]);
  });
});

describe('matrix and diff', () => {
  const replicas = Array.from({ length: 5 }, (_, i) =>
    pod('x', `web-7f9c-${i}`, { app: 'web', 'pod-template-hash': '7f9c' }, `10.9.0.${i + 1}`, {
      owner: 'ReplicaSet/web-7f9c',
      ports: [{ port: 8080 }],
    }),
  );
  const w: World = { namespaces: [{ name: 'x' }, { name: 'y' }], pods: [...replicas, C], policies: [] };

  it('replicas form one row named after their Deployment; cells cover the declared ports', () => {
    const m = reachabilityMatrix(w);
    expect(m.nodes.map((n) => [n.name, n.podCount])).toEqual([
      ['x/web', 5],
      ['y/c', 1],
    ]);
    expect(m.items.map((i) => `${i.from} -> ${i.to} ${i.protocol}/${i.port} ${i.allowed}`)).toEqual([
      'x/web -> x/web TCP/8080 true',
      'y/c -> x/web TCP/8080 true',
    ]);
  });

  it('an ipBlock that tells replicas apart splits the row', () => {
    const p = policy('y', 'p', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.9.0.1/32' } }] }],
    });
    const names = reachabilityMatrix({ ...w, policies: [p] }).nodes.map((n) => n.name);
    expect(names).toEqual(['x/web-7f9c-0', 'x/web-7f9c-1', 'y/c']);
  });

  it('diff lists exactly the flows that change, with the reasons of both sides for a removal', () => {
    const deny = policy('x', 'deny', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }] }],
    });
    const changes = diffWorlds(w, { ...w, policies: [deny] });
    expect(changes.map((c) => `${c.change} ${c.from} -> ${c.to} ${c.port}`)).toEqual([
      'removed y/c -> x/web 8080',
    ]);
    expect(changes[0]?.reasons).toEqual([
      'was: egress from y/c: not isolated: allowed by default',
      'was: ingress to x/web: not isolated: allowed by default',
      'now: egress from y/c: not isolated: allowed by default',
      'now: ingress to x/web: isolated by x/deny; no rule allows',
    ]);
    expect(diffWorlds({ ...w, policies: [deny] }, w).map((c) => c.change)).toEqual(['added']);
  });
});
