// Which of a scenario's hand-written probes a real cluster can check, and what each pod must
// serve. Shared by the kind end-to-end test; pure, so a unit test covers it where Docker is absent.
// Left out, and why: probes to or from addresses outside the cluster (a CI runner cannot own
// 203.0.113.10, and real internet egress is not deterministic) and UDP probes (a UDP "connection"
// has no handshake to observe). The compiler tests judge those with the evaluator.
import type { Pod } from './evaluator.js';
import type { Probe, Scenario } from './scenarios.js';

/** Pods of kube-system (the cluster DNS) exist already; the test looks them up by label. */
export const EXISTING_NAMESPACE = 'kube-system';

export interface PodToStart {
  endpoint: string;
  pod: Pod;
  /** TCP ports the pod listens on: every port a probe connects to. */
  ports: number[];
}

export interface TrafficPlan {
  /** Namespaces to create (labelled so that no baseline interferes with the profile's own rules). */
  namespaces: string[];
  pods: PodToStart[];
  probes: Probe[];
}

const isPod = (e: Scenario['endpoints'][string] | undefined): e is Pod => e !== undefined && 'namespace' in e;

export function trafficPlan(scenario: Scenario): TrafficPlan {
  const probes = scenario.probes.filter(
    (p) =>
      (p.protocol ?? 'TCP') === 'TCP' && isPod(scenario.endpoints[p.from]) && isPod(scenario.endpoints[p.to]),
  );
  const ports = new Map<string, Set<number>>();
  for (const probe of probes) {
    for (const endpoint of [probe.from, probe.to]) if (!ports.has(endpoint)) ports.set(endpoint, new Set());
    ports.get(probe.to)?.add(probe.port);
  }
  const pods = [...ports.entries()]
    .map(([endpoint, served]) => ({
      endpoint,
      pod: scenario.endpoints[endpoint] as Pod,
      ports: [...served].sort((a, b) => a - b),
    }))
    .sort((a, b) => a.endpoint.localeCompare(b.endpoint));
  return {
    namespaces: scenario.namespaces.map((n) => n.name).filter((n) => n !== EXISTING_NAMESPACE),
    pods,
    probes,
  };
}
