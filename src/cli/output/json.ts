// The documented JSON shape of explain and diff: {"apiVersion","kind":"Reachability","items":[...]},
// one item per evaluated (from, to, port, protocol) cell; diff items also carry "change".
import type { ReachabilityChange, ReachabilityItem } from '../../analysis/index.js';

export const REACHABILITY_API_VERSION = 'apptrust.dev/v1alpha1';

const item = (i: ReachabilityItem) => ({
  from: i.from,
  to: i.to,
  port: i.port,
  protocol: i.protocol,
  allowed: i.allowed,
  reasons: i.reasons,
});

export function reachabilityJson(items: readonly ReachabilityItem[]): string {
  return `${JSON.stringify({ apiVersion: REACHABILITY_API_VERSION, kind: 'Reachability', items: items.map(item) }, null, 2)}\n`;
}

export function diffJson(changes: readonly ReachabilityChange[]): string {
  const items = changes.map((c) => ({ ...item(c), change: c.change }));
  return `${JSON.stringify({ apiVersion: REACHABILITY_API_VERSION, kind: 'Reachability', items }, null, 2)}\n`;
}
