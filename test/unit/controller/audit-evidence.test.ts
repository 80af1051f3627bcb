// Audit's evidence, pure: two worlds that differ only in the profile's own policies.
import { renderProfile } from '../../../src/compiler/index.js';
import { analysisPod, flowEvidence } from '../../../src/controller/audit-evidence.js';
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

describe('Audit evidence', () => {
  it('counts the live flows enforcing would deny, with the first few named', () => {
    const rendered = renderProfile(profile(8080)).policies;
    expect(flowEvidence(live, 'shop', new Set(), rendered)).toEqual({
      newlyDenied: 1,
      newlyAllowed: 0,
      examples: ['denied shop/frontend -> shop/backend 9090/TCP'],
    });
  });

  it('counts flows the new spec allows that the enforced policies deny', () => {
    const enforced = renderProfile(profile(8080)).policies;
    const next = renderProfile(profile(9090)).policies;
    const names = new Set(enforced.map((p) => p.metadata.name));
    expect(flowEvidence({ ...live, policies: enforced }, 'shop', names, next)).toEqual({
      newlyDenied: 1,
      newlyAllowed: 1,
      examples: [
        'denied shop/frontend -> shop/backend 8080/TCP',
        'allowed shop/frontend -> shop/backend 9090/TCP',
      ],
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
});
