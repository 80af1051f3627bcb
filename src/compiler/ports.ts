import type { Port } from '../api/v1alpha1/index.js';
import type { PolicyPort } from './networkpolicy.js';

/** Explicit protocol (the API server would default TCP, which would look like drift). */
export function policyPortFor(port: Port): PolicyPort {
  const out: PolicyPort = { protocol: port.protocol ?? 'TCP', port: port.port };
  if (port.endPort !== undefined && port.endPort !== port.port) out.endPort = port.endPort;
  return out;
}

function comparePorts(a: PolicyPort, b: PolicyPort): number {
  if (a.protocol !== b.protocol) return a.protocol < b.protocol ? -1 : 1;
  const [pa, pb] = [a.port, b.port];
  if (pa !== pb) {
    if (typeof pa === 'number' && typeof pb === 'number') return pa - pb;
    if (typeof pa === 'number') return -1; // numbers before names
    if (typeof pb === 'number') return 1;
    return String(pa) < String(pb) ? -1 : 1;
  }
  return (a.endPort ?? 0) - (b.endPort ?? 0);
}

/** Sorted, deduplicated ports. */
export function canonicalPorts(ports: Iterable<PolicyPort>): PolicyPort[] {
  const unique = new Map<string, PolicyPort>();
  for (const p of ports) unique.set(`${p.protocol}/${p.port}/${p.endPort ?? ''}`, p);
  return [...unique.values()].sort(comparePorts);
}
