// The analysis: pure NetworkPolicy semantics over a world (namespaces, pods, outside addresses,
// policies, profiles): verdicts with reasons, matrices by workload, and diffs between two worlds.
// No client, no clock, no environment. Used by the CLI (explain, diff) and by Audit status.
export { compareItems, diffMatrices, diffWorlds, type ReachabilityChange } from './diff.js';
export { type NamespaceLabels, namespaceLabelsBy } from './matching.js';
export {
  comparePorts,
  type Matrix,
  type MatrixNode,
  type MatrixOptions,
  matrixNodes,
  type PortProtocol,
  type ReachabilityItem,
  reachabilityMatrix,
} from './matrix.js';
export { directionReason } from './reasons.js';
export { selectorMatches } from './selectors.js';
export { type DirectionVerdict, ReachabilityAnalyzer, type RuleMatch, type Verdict } from './verdict.js';
export {
  type Component,
  type ExtraFlow,
  extraFlowText,
  type Widening,
  WideningAnalyzer,
  type WideningWorld,
} from './widening.js';
export { groupWorkloads, type Workload, workloadName } from './workloads.js';
export * from './world.js';

import type { Protocol } from '../compiler/index.js';
import { ReachabilityAnalyzer, type Verdict } from './verdict.js';
import type { Endpoint, World } from './world.js';

/** One question, one answer: is `from` → `to` on port/protocol allowed, and why. */
export function explainConnection(
  world: World,
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol = 'TCP',
): Verdict {
  return new ReachabilityAnalyzer(world).explain(from, to, port, protocol);
}

/** The verdict alone, for tests and hot loops. */
export function isAllowed(
  world: World,
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol = 'TCP',
): boolean {
  return new ReachabilityAnalyzer(world).isAllowed(from, to, port, protocol);
}
