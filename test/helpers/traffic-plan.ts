// Which of a scenario's hand-written probes a traffic provider can check on real connections, and
// what each pod (and external host) must serve. One plan, two providers: the kind end-to-end test
// (test/e2e) and the dataplane tier (test/dataplane). Pure, so a unit test covers it anywhere.
// A provider says what it can do; every probe it cannot check is listed as left out, with why.
import type { Pod } from './evaluator.js';
import type { Probe, Scenario } from './scenarios.js';

/** Pods of kube-system (the cluster DNS) exist already; the providers look them up by label. */
export const EXISTING_NAMESPACE = 'kube-system';

export type Protocol = 'TCP' | 'UDP';

export interface ServedPort {
  port: number;
  protocol: Protocol;
}

export interface PodToStart {
  endpoint: string;
  pod: Pod;
  /** Ports the pod serves: every port a probe connects to. */
  ports: ServedPort[];
}

export interface ExternalToStart {
  endpoint: string;
  ip: string;
  ports: ServedPort[];
}

export interface LeftOut {
  probe: Probe;
  reason: string;
}

export interface TrafficPlan {
  /** Namespaces to create (labelled so that no baseline interferes with the profile's own rules). */
  namespaces: string[];
  pods: PodToStart[];
  /** Hosts outside the cluster the probes reach or come from. */
  externals: ExternalToStart[];
  probes: Probe[];
  leftOut: LeftOut[];
}

export interface TrafficProvider {
  name: string;
  /** UDP probes: the provider's servers answer datagrams, so a reply can be observed. */
  udp: boolean;
  /** Can the provider host this address outside the cluster (in a namespace it made)? */
  hostsExternal: (ip: string) => boolean;
}

/**
 * kind: a CI runner cannot own 203.0.113.10 and real internet egress is not deterministic, and the
 * cluster's own DNS is real CoreDNS (it does not answer our datagrams): TCP between pods only.
 */
export const KIND_PROVIDER: TrafficProvider = { name: 'kind', udp: false, hostsExternal: () => false };

/** Documentation ranges (RFC 5737, RFC 3849): addresses no real host has. */
export const DOCUMENTATION_RANGES = [/^192\.0\.2\./, /^198\.51\.100\./, /^203\.0\.113\./, /^2001:db8:/i];

/** The dataplane tier: UDP too, and external hosts in documentation ranges only. */
export const DATAPLANE_PROVIDER: TrafficProvider = {
  name: 'dataplane',
  udp: true,
  hostsExternal: (ip) => DOCUMENTATION_RANGES.some((r) => r.test(ip)),
};

type AnyEndpoint = Scenario['endpoints'][string] | undefined;
const isPod = (e: AnyEndpoint): e is Pod => e !== undefined && 'namespace' in e;

function whyLeftOut(scenario: Scenario, probe: Probe, provider: TrafficProvider): string | undefined {
  const protocol = probe.protocol ?? 'TCP';
  if (protocol === 'UDP' && !provider.udp) return `${provider.name} does not probe UDP`;
  if (protocol !== 'TCP' && protocol !== 'UDP') return `${protocol} is not probed`;
  for (const side of [probe.from, probe.to]) {
    const endpoint = scenario.endpoints[side];
    if (endpoint === undefined) return `no endpoint ${side}`;
    if (!isPod(endpoint) && !provider.hostsExternal(endpoint.ip))
      return `${provider.name} cannot host ${endpoint.ip} (outside its documentation ranges)`;
  }
  return undefined;
}

const byPort = (a: ServedPort, b: ServedPort) => a.port - b.port || a.protocol.localeCompare(b.protocol);

export function trafficPlan(scenario: Scenario, provider: TrafficProvider = KIND_PROVIDER): TrafficPlan {
  const probes: Probe[] = [];
  const leftOut: LeftOut[] = [];
  for (const probe of scenario.probes) {
    const reason = whyLeftOut(scenario, probe, provider);
    if (reason) leftOut.push({ probe, reason });
    else probes.push(probe);
  }
  const served = new Map<string, Map<string, ServedPort>>();
  for (const probe of probes) {
    for (const endpoint of [probe.from, probe.to]) if (!served.has(endpoint)) served.set(endpoint, new Map());
    const port: ServedPort = { port: probe.port, protocol: probe.protocol ?? 'TCP' };
    served.get(probe.to)?.set(`${port.port}/${port.protocol}`, port);
  }
  const pods: PodToStart[] = [];
  const externals: ExternalToStart[] = [];
  for (const [endpoint, ports] of [...served.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const target = scenario.endpoints[endpoint];
    const list = [...ports.values()].sort(byPort);
    if (isPod(target)) pods.push({ endpoint, pod: target, ports: list });
    else if (target) externals.push({ endpoint, ip: target.ip, ports: list });
  }
  return {
    namespaces: scenario.namespaces.map((n) => n.name).filter((n) => n !== EXISTING_NAMESPACE),
    pods,
    externals,
    probes,
    leftOut,
  };
}

/** A served port as the probe programs take it: "8080/TCP". */
export const servedPortArg = (p: ServedPort) => `${p.port}/${p.protocol}`;
