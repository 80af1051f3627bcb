// The flows a change adds and removes: two matrices compared cell by cell. An added flow carries the
// new world's reasons (what allows it now); a removed one the old allowance and the new denial.
import {
  type Matrix,
  type MatrixOptions,
  type PortProtocol,
  portsTowards,
  type ReachabilityItem,
  reachabilityMatrix,
} from './matrix.js';
import type { World } from './world.js';

export interface ReachabilityChange extends ReachabilityItem {
  change: 'added' | 'removed';
}

const cellKey = (i: ReachabilityItem) => `${i.from}\u0000${i.to}\u0000${i.protocol}\u0000${i.port}`;

export function diffMatrices(before: Matrix, after: Matrix): ReachabilityChange[] {
  const old = new Map(before.items.map((i) => [cellKey(i), i]));
  const now = new Map(after.items.map((i) => [cellKey(i), i]));
  const changes: ReachabilityChange[] = [];
  for (const [key, item] of now) {
    const was = old.get(key);
    if (item.allowed && !was?.allowed) changes.push({ ...item, change: 'added' });
    if (!item.allowed && was?.allowed)
      changes.push({
        ...item,
        change: 'removed',
        reasons: [...was.reasons.map((r) => `was: ${r}`), ...item.reasons.map((r) => `now: ${r}`)],
      });
  }
  for (const [key, was] of old)
    if (was.allowed && !now.has(key))
      changes.push({
        ...was,
        change: 'removed',
        reasons: [...was.reasons.map((r) => `was: ${r}`), 'now: the endpoint is gone'],
      });
  return changes.sort(compareItems);
}

export function compareItems(a: ReachabilityItem, b: ReachabilityItem): number {
  if (a.from !== b.from) return a.from < b.from ? -1 : 1;
  if (a.to !== b.to) return a.to < b.to ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  return a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}

/**
 * Flows that `after` allows and `before` did not (added), and the reverse (removed). An outside
 * address is probed on the ports either world's egress rules name, so a rule that goes away
 * still shows as a removed flow.
 */
export function diffWorlds(before: World, after: World, options: MatrixOptions = {}): ReachabilityChange[] {
  const externalPorts = new Map<string, PortProtocol[]>();
  for (const e of options.externals ?? [])
    externalPorts.set(e.ip, [...portsTowards(before, e.ip), ...portsTowards(after, e.ip)]);
  const both = { externalPorts, ...options };
  return diffMatrices(reachabilityMatrix(before, both), reachabilityMatrix(after, both));
}
