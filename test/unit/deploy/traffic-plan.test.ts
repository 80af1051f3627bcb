// The part of the traffic tests that runs anywhere: which probes each provider checks on packets.
import { SCENARIOS } from '../../helpers/scenarios.js';
import { DATAPLANE_PROVIDER, KIND_PROVIDER, trafficPlan } from '../../helpers/traffic-plan.js';

const scenario = (name: string) => {
  const found = SCENARIOS.find((s) => s.example === name);
  if (!found) throw new Error(name);
  return found;
};
const names = (probes: { from: string; to: string; port: number; protocol?: string }[]) =>
  probes.map((p) => `${p.from}->${p.to}:${p.port}/${p.protocol ?? 'TCP'}`);

describe('traffic plan for the kind end-to-end probes', () => {
  it('keeps pod-to-pod TCP probes, both allowed and blocked ones, for every scenario', () => {
    for (const s of SCENARIOS) {
      const { probes } = trafficPlan(s, KIND_PROVIDER);
      expect(probes.some((p) => !p.allowed)).toBe(true);
      if (s.example !== 'deny-all') expect(probes.some((p) => p.allowed)).toBe(true);
    }
  });

  it('leaves out probes to addresses outside the cluster and UDP probes, saying why', () => {
    const plan = trafficPlan(scenario('frontend-backend'), KIND_PROVIDER);
    expect(names(plan.probes)).not.toContain('backend->gateway:443/TCP');
    expect(plan.probes.find((p) => p.protocol === 'UDP')).toBeUndefined();
    expect(names(plan.probes)).toEqual(
      expect.arrayContaining([
        'frontend->backend:8080/TCP',
        'ingress->frontend:8080/TCP',
        'backend->dns:53/TCP',
      ]),
    );
    expect(plan.probes.length + plan.leftOut.length).toBe(scenario('frontend-backend').probes.length);
    expect(plan.leftOut.map((l) => l.reason)).toEqual(
      expect.arrayContaining([
        'kind does not probe UDP',
        'kind cannot host 203.0.113.10 (outside its documentation ranges)',
      ]),
    );
    expect(plan.externals).toEqual([]);
  });

  it('starts each pod serving every port a probe connects to, and creates the non-system namespaces', () => {
    const plan = trafficPlan(scenario('frontend-backend'), KIND_PROVIDER);
    const byEndpoint = Object.fromEntries(plan.pods.map((p) => [p.endpoint, p.ports]));
    expect(byEndpoint.frontend).toEqual([
      { port: 8080, protocol: 'TCP' },
      { port: 8081, protocol: 'TCP' },
    ]);
    expect(byEndpoint.backend).toEqual([
      { port: 8080, protocol: 'TCP' },
      { port: 9090, protocol: 'TCP' },
    ]);
    expect(byEndpoint.ingress).toEqual([]);
    expect(plan.namespaces).toEqual(['shop', 'ingress-nginx']);
  });
});

describe('traffic plan for the dataplane tier', () => {
  it('probes UDP and external hosts in documentation ranges, and serves UDP where probed', () => {
    const plan = trafficPlan(scenario('frontend-backend'), DATAPLANE_PROVIDER);
    expect(plan.leftOut).toEqual([]);
    expect(plan.externals).toEqual([
      { endpoint: 'elsewhere', ip: '203.0.113.11', ports: [{ port: 443, protocol: 'TCP' }] },
      {
        endpoint: 'gateway',
        ip: '203.0.113.10',
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 443, protocol: 'TCP' },
        ],
      },
    ]);
    const dns = plan.pods.find((p) => p.endpoint === 'dns');
    expect(dns?.ports).toEqual([
      { port: 53, protocol: 'TCP' },
      { port: 53, protocol: 'UDP' },
      { port: 54, protocol: 'UDP' },
    ]);
    expect(plan.pods.find((p) => p.endpoint === 'backend')?.ports).toContainEqual({
      port: 8080,
      protocol: 'UDP',
    });
  });

  it('never plans a host outside the documentation ranges: such probes are left out with the address', () => {
    for (const s of SCENARIOS) {
      const plan = trafficPlan(s, DATAPLANE_PROVIDER);
      for (const e of plan.externals) expect(DATAPLANE_PROVIDER.hostsExternal(e.ip)).toBe(true);
      for (const l of plan.leftOut)
        expect(l.reason).toMatch(/cannot host (8\.8\.8\.8|1\.1\.1\.1|93\.184\.216\.34)/);
    }
    expect(trafficPlan(scenario('egress-one-ip'), DATAPLANE_PROVIDER).leftOut).toHaveLength(3);
  });
});
