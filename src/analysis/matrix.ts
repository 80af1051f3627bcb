// The reachability matrix of a world: every (from, to, port, protocol) cell between workloads (or
// pods) and given outside addresses, for the ports the destinations declare (or the ports asked for).
import type { Protocol } from '../compiler/index.js';
import { ipInBlock } from './ip-blocks.js';
import { ReachabilityAnalyzer } from './verdict.js';
import { groupWorkloads } from './workloads.js';
import { type Endpoint, type External, endpointName, isPod, type World } from './world.js';

export interface PortProtocol {
  port: number;
  protocol: Protocol;
}

/** One evaluated cell: the JSON item of `apptrust explain -o json`. */
export interface ReachabilityItem {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  allowed: boolean;
  reasons: string[];
}

/** A row and column of the matrix. */
export interface MatrixNode {
  /** "ns/name" for a workload or pod, the address for an outside endpoint. */
  name: string;
  /** Undefined for an address outside the cluster. */
  namespace?: string;
  /** Pods in the row (0 for an address). */
  podCount: number;
  /** Ports cells into this node are evaluated on. */
  ports: PortProtocol[];
  endpoint: Endpoint;
}

export interface Matrix {
  nodes: MatrixNode[];
  items: ReachabilityItem[];
}

export interface MatrixOptions {
  /** Evaluate these ports for every destination instead of the declared ones. */
  ports?: PortProtocol[];
  /** Addresses outside the cluster to include as sources and destinations. */
  externals?: External[];
  /** Ports to probe an address on (default: the numeric ports of the egress rules reaching it). */
  externalPorts?: ReadonlyMap<string, PortProtocol[]>;
  /** "workload" (default): indistinguishable pods form one row; "pod": one row per pod. */
  groupBy?: 'workload' | 'pod';
  /** Only cells from these node names / to these node names. */
  from?: string[];
  to?: string[];
}

export function comparePorts(a: PortProtocol, b: PortProtocol): number {
  return a.port !== b.port ? a.port - b.port : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}

function uniquePorts(ports: Iterable<PortProtocol>): PortProtocol[] {
  const map = new Map<string, PortProtocol>();
  for (const p of ports) map.set(`${p.protocol}/${p.port}`, { port: p.port, protocol: p.protocol });
  return [...map.values()].sort(comparePorts);
}

/** Without --port, an address is probed on the numeric ports of the egress rules that reach it. */
export function portsTowards(world: World, ip: string): PortProtocol[] {
  const out: PortProtocol[] = [];
  for (const policy of world.policies)
    for (const rule of policy.spec.egress ?? [])
      if (
        (rule.to ?? []).some((peer) => peer.ipBlock && ipInBlock(ip, peer.ipBlock.cidr, peer.ipBlock.except))
      )
        for (const p of rule.ports ?? [])
          if (typeof p.port === 'number') out.push({ port: p.port, protocol: p.protocol ?? 'TCP' });
  return uniquePorts(out);
}

export function matrixNodes(world: World, options: MatrixOptions = {}): MatrixNode[] {
  const declared = (ports: ReadonlyArray<{ port: number; protocol?: Protocol }>) =>
    options.ports
      ? uniquePorts(options.ports)
      : uniquePorts(ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })));
  const pods: MatrixNode[] =
    options.groupBy === 'pod'
      ? [...world.pods]
          .map((pod) => ({
            name: `${pod.namespace}/${pod.name}`,
            namespace: pod.namespace,
            podCount: 1,
            ports: declared(pod.ports ?? []),
            endpoint: pod,
          }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      : groupWorkloads(world.pods, world.policies).map((w) => ({
          name: w.name,
          namespace: w.namespace,
          podCount: w.pods.length,
          ports: declared(w.ports),
          endpoint: w.representative,
        }));
  const externals = [...new Map((options.externals ?? []).map((e) => [e.ip, e])).values()]
    .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0))
    .map((e) => ({
      name: endpointName(e),
      podCount: 0,
      ports: uniquePorts(options.ports ?? options.externalPorts?.get(e.ip) ?? portsTowards(world, e.ip)),
      endpoint: e,
    }));
  return [...pods, ...externals];
}

/** Every cell, sorted by from, to, port, protocol. A single pod to itself is loopback: not judged. */
export function reachabilityMatrix(world: World, options: MatrixOptions = {}): Matrix {
  const analyzer = new ReachabilityAnalyzer(world);
  const nodes = matrixNodes(world, options);
  const wanted = (list: string[] | undefined, name: string) => !list || list.includes(name);
  const items: ReachabilityItem[] = [];
  for (const from of nodes) {
    if (!wanted(options.from, from.name)) continue;
    for (const to of nodes) {
      if (!wanted(options.to, to.name)) continue;
      if (!isPod(from.endpoint) && !isPod(to.endpoint)) continue;
      if (from === to && from.podCount <= 1) continue;
      for (const { port, protocol } of to.ports) {
        const v = analyzer.explain(from.endpoint, to.endpoint, port, protocol, {
          from: from.name,
          to: to.name,
        });
        items.push({ from: from.name, to: to.name, port, protocol, allowed: v.allowed, reasons: v.reasons });
      }
    }
  }
  return { nodes, items };
}
