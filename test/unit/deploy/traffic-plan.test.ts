// The part of the kind end-to-end test that runs anywhere: which probes a real cluster checks.
import { SCENARIOS } from '../../helpers/scenarios.js';
import { trafficPlan } from '../../helpers/traffic-plan.js';

const scenario = (name: string) => {
  const found = SCENARIOS.find((s) => s.example === name);
  if (!found) throw new Error(name);
  return found;
};

describe('traffic plan for the kind end-to-end probes', () => {
  it('keeps pod-to-pod TCP probes, both allowed and blocked ones, for every scenario', () => {
    for (const s of SCENARIOS) {
      const { probes } = trafficPlan(s);
      expect(probes.some((p) => !p.allowed)).toBe(true);
      if (s.example !== 'deny-all') expect(probes.some((p) => p.allowed)).toBe(true);
    }
  });

  it('drops probes to addresses outside the cluster and UDP probes', () => {
    const { probes } = trafficPlan(scenario('frontend-backend'));
    expect(probes.map((p) => `${p.from}->${p.to}:${p.port}`)).not.toContain('backend->gateway:443');
    expect(probes.find((p) => p.protocol === 'UDP')).toBeUndefined();
    expect(probes.map((p) => `${p.from}->${p.to}:${p.port}`)).toEqual(
      expect.arrayContaining(['frontend->backend:8080', 'ingress->frontend:8080', 'backend->dns:53']),
    );
  });

  it('starts each pod serving every port a probe connects to, and creates the non-system namespaces', () => {
    const plan = trafficPlan(scenario('frontend-backend'));
    const byEndpoint = Object.fromEntries(plan.pods.map((p) => [p.endpoint, p.ports]));
    expect(byEndpoint.frontend).toEqual([8080, 8081]);
    expect(byEndpoint.backend).toEqual([8080, 9090]);
    expect(byEndpoint.ingress).toEqual([]);
    expect(plan.namespaces).toEqual(['shop', 'ingress-nginx']);
  });
});
