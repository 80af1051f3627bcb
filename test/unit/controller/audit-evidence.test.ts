// Audit's evidence, pure: two worlds that differ only in the profile's own policies.
import { baselinePolicyFor, renderProfile } from '../../../src/compiler/index.js';
import {
  analysisPod,
  type EvidenceRuntime,
  type FlowEvidence,
  flowEvidence,
} from '../../../src/controller/audit-evidence.js';
import type { SlimPod } from '../../../src/kube/pods.js';
import { allow, profile as build, component, inNamespace } from '../../helpers/profiles.js';

const pod = (name: string, role: string, ip: string, ports: number[], phase = 'Running'): SlimPod => ({
  metadata: { name, namespace: 'shop', labels: { role } },
  spec: { containers: [{ ports: ports.map((containerPort) => ({ containerPort })) }] },
  status: { phase, podIP: ip, podIPs: [{ ip }] },
});

const profile = (allowPort: number) =>
  build(
    'shop',
    inNamespace('shop'),
    component('frontend'),
    component('backend'),
    allow('frontend', 'backend', allowPort),
  );

const live = {
  namespaces: [{ metadata: { name: 'shop' } }],
  pods: [pod('frontend', 'frontend', '10.0.0.1', []), pod('backend', 'backend', '10.0.0.2', [8080, 9090])],
  policies: [],
};

/** The counts and examples: what status carries (the cost varies run to run). */
const withoutStats = ({ stats: _stats, ...rest }: FlowEvidence) => rest;

describe('Audit evidence', () => {
  it('counts the live flows enforcing would deny, with the first few named', async () => {
    const rendered = renderProfile(profile(8080)).policies;
    expect(withoutStats(await flowEvidence(live, 'shop', new Set(), rendered))).toEqual({
      newlyDenied: 1,
      newlyAllowed: 0,
      examples: ['denied shop/frontend -> shop/backend 9090/TCP'],
    });
  });

  it('counts flows the new spec allows that the enforced policies deny', async () => {
    const enforced = renderProfile(profile(8080)).policies;
    const next = renderProfile(profile(9090)).policies;
    const names = new Set(enforced.map((p) => p.metadata.name));
    expect(withoutStats(await flowEvidence({ ...live, policies: enforced }, 'shop', names, next))).toEqual({
      newlyDenied: 1,
      newlyAllowed: 1,
      examples: [
        'denied shop/frontend -> shop/backend 8080/TCP',
        'allowed shop/frontend -> shop/backend 9090/TCP',
      ],
    });
  });

  it('a flow to a Service: the pods behind it on the targetPort (what Enforce would apply)', async () => {
    const toService = {
      ...profile(8080),
      spec: {
        components: [{ name: 'frontend', podSelector: { matchLabels: { role: 'frontend' } } }],
        allow: [{ from: { component: 'frontend' }, to: { service: 'api' }, ports: [{ port: 80 }] }],
      },
    };
    const api = {
      metadata: { name: 'api', namespace: 'shop' },
      spec: { selector: { role: 'backend' }, ports: [{ port: 80, targetPort: 9090 }] },
    };
    const rendered = renderProfile(toService, {
      inputs: { services: new Map([['shop/api', api]]) },
    }).policies;
    expect(withoutStats(await flowEvidence(live, 'shop', new Set(), rendered))).toEqual({
      newlyDenied: 1,
      newlyAllowed: 0,
      examples: ['denied shop/frontend -> shop/backend 8080/TCP'],
    });
  });

  it('judges only running pods with an address', () => {
    expect(analysisPod(pod('x', 'x', '10.0.0.9', [], 'Pending'))).toBeUndefined();
    expect(analysisPod({ ...pod('x', 'x', '', []) })).toBeUndefined();
    expect(analysisPod(pod('x', 'x', '10.0.0.9', [80]))).toMatchObject({
      ip: '10.0.0.9',
      ports: [{ port: 80, protocol: 'TCP' }],
    });
  });

  // A peer in another namespace: the tenant of "shop" may not read its name or labels.
  const foreign = (name: string, ns: string, labels: Record<string, string>, ip: string): SlimPod => ({
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ ports: [{ containerPort: 5432 }] }] },
    status: { phase: 'Running', podIP: ip },
  });
  const bank = {
    namespaces: [{ metadata: { name: 'shop' } }, { metadata: { name: 'bank', labels: { team: 'money' } } }],
    pods: [
      ...live.pods,
      foreign('ledger-db', 'bank', { app: 'ledger-db', secret: 'yes' }, '10.0.1.1'),
      foreign('audit-db', 'bank', { app: 'audit-db' }, '10.0.1.2'),
    ],
    policies: [],
  };

  it('names a peer in another namespace by its namespace and port only, one flow for all its workloads', async () => {
    const rendered = renderProfile(profile(8080)).policies;
    const evidence = await flowEvidence(bank, 'shop', new Set(), rendered);
    const text = JSON.stringify(evidence);
    for (const hidden of ['ledger-db', 'audit-db', 'secret', 'money']) expect(text).not.toContain(hidden);
    // frontend -> bank (egress now isolated) and bank -> backend (ingress), both on what they declare.
    expect(evidence.examples).toEqual(
      expect.arrayContaining([
        'denied bank -> shop/backend 8080/TCP',
        'denied shop/frontend -> bank 5432/TCP',
      ]),
    );
    // Two bank workloads, one visible flow each way: the count is no oracle for how many there are.
    expect(evidence.examples?.filter((e) => e.includes('shop/frontend -> bank'))).toHaveLength(1);
  });

  it('is no label oracle: a selector into another namespace changes nothing, whatever its pods carry', async () => {
    // bank holds a pod labelled secret=yes; the tenant guesses at bank's labels through its own rules.
    const guess = (labels: Record<string, string>) => {
      const p = profile(8080);
      (p.spec.allow as unknown[]).push({
        from: { component: 'frontend' },
        to: { namespace: 'bank', podSelector: { matchLabels: labels } },
        ports: [{ port: 5432 }],
      });
      return renderProfile(p).policies;
    };
    // Today shop's baseline denies everything: a flow that enforcing allows shows as "allowed".
    const guarded = { ...bank, policies: [baselinePolicyFor('shop', { allowDNS: false })] };
    const right = withoutStats(await flowEvidence(guarded, 'shop', new Set(), guess({ secret: 'yes' })));
    const wrong = withoutStats(await flowEvidence(guarded, 'shop', new Set(), guess({ secret: 'no' })));
    expect(right).toEqual(wrong);
    expect(JSON.stringify(right)).not.toContain('-> bank');
    // The whole namespace (no pod selector) is the profile's to know: that flow is judged.
    const p = profile(8080);
    (p.spec.allow as unknown[]).push({
      from: { component: 'frontend' },
      to: { namespace: 'bank' },
      ports: [{ port: 5432 }],
    });
    const whole = await flowEvidence(guarded, 'shop', new Set(), renderProfile(p).policies);
    expect(whole.examples).toContain('allowed shop/frontend -> bank 5432/TCP');
  });

  it('judges only flows that start or end at the profile components', async () => {
    // Two bank pods talk to each other on 5432; nothing the profile renders can change that.
    const rendered = renderProfile(profile(8080)).policies;
    const evidence = await flowEvidence(bank, 'shop', new Set(), rendered);
    expect(evidence.examples?.some((e) => /^\w+ bank -> bank/.test(e))).toBe(false);
  });

  it('stops at the cell cap and says so, never failing', async () => {
    const rendered = renderProfile(profile(8080)).policies;
    const evidence = await flowEvidence(bank, 'shop', new Set(), rendered, {
      maxCells: 2,
      maxTimeMs: 60_000,
    });
    expect(evidence.limit).toMatch(/^cell cap reached: 2 of \d+ flows evaluated/);
    expect((evidence.newlyDenied ?? 0) + (evidence.newlyAllowed ?? 0)).toBeLessThanOrEqual(2);
  });

  it('stops at the time cap, yielding to the event loop between slices', async () => {
    let clock = 0;
    let yields = 0;
    const runtime: EvidenceRuntime = {
      now: () => (clock += 5), // every look at the clock: 5 ms later
      yieldToEventLoop: async () => {
        yields++;
      },
    };
    const rendered = renderProfile(profile(8080)).policies;
    const evidence = await flowEvidence(
      bank,
      'shop',
      new Set(),
      rendered,
      { maxCells: 1000, maxTimeMs: 1, sliceMs: 1 },
      runtime,
    );
    expect(yields).toBeGreaterThan(0);
    expect(evidence.limit).toMatch(/^time cap reached: 0 of \d+ flows evaluated in 1 ms/);
  });
});
