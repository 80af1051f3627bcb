// "The final state is exact", read from the API server and judged against the compiler alone:
// every owned NetworkPolicy equals the render of its profile, nothing else carries our label, the
// baseline is in every namespace in scope (and gone where opted out), and every profile is Ready
// with status.observedGeneration == metadata.generation.
import { isDeepStrictEqual } from 'node:util';
import {
  BASELINE_OPT_OUT_LABEL,
  BASELINE_OPT_OUT_VALUE,
  BASELINE_POLICY_NAME,
  baselinePolicyFor,
  type CompilerSettings,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type NetworkPolicy,
  renderProfile,
} from '../../src/compiler/index.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { namespace as namespacePath, networkPolicies, profiles } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { sleep } from './harness.js';

interface LiveProfile extends KubeObject {
  spec?: unknown;
  status?: {
    observedGeneration?: number;
    policies?: string[];
    conditions?: Array<{ type: string; status: string; reason?: string; observedGeneration?: number }>;
  };
}
interface LivePolicy extends KubeObject {
  spec?: unknown;
}

/** Marks a problem that only kube-controller-manager's garbage collector can fix. */
export const GC_PREFIX = '[awaiting garbage collection] ';

export interface Scope {
  namespaces: string[];
  settings: CompilerSettings;
  /** The operator runs with --baseline=true and these namespaces are not excluded by flag. */
  baseline: boolean;
  allowDNS: boolean;
}

const subset = (want: Record<string, string> | undefined, have: Record<string, string> | undefined) =>
  Object.entries(want ?? {}).every(([k, v]) => have?.[k] === v);

function samePolicy(live: LivePolicy, desired: NetworkPolicy, ownerUid: string | undefined): string[] {
  const problems: string[] = [];
  const where = `${desired.metadata.namespace}/${desired.metadata.name}`;
  if (!isDeepStrictEqual(live.spec, desired.spec)) problems.push(`${where}: spec differs from the render`);
  if (!subset(desired.metadata.labels, live.metadata.labels)) problems.push(`${where}: labels differ`);
  if (!subset(desired.metadata.annotations, live.metadata.annotations))
    problems.push(`${where}: annotations differ`);
  if (ownerUid && !(live.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === ownerUid))
    problems.push(`${where}: not controlled by its profile`);
  return problems;
}

function checkProfile(p: LiveProfile, ns: string, scope: Scope, live: Map<string, LivePolicy>): string[] {
  const problems: string[] = [];
  const key = `${ns}/${p.metadata.name}`;
  const rendered = renderProfile(p, { settings: scope.settings, defaultNamespace: ns });
  if (rendered.diagnostics.length > 0) return [`${key}: the suite made an invalid profile`];
  const wanted = rendered.mode === 'Audit' ? [] : rendered.policies;
  for (const desired of wanted) {
    const have = live.get(desired.metadata.name);
    if (!have) problems.push(`${ns}/${desired.metadata.name}: missing`);
    else problems.push(...samePolicy(have, desired, p.metadata.uid));
  }
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  const generation = p.metadata.generation;
  if (p.status?.observedGeneration !== generation)
    problems.push(
      `${key}: status.observedGeneration ${p.status?.observedGeneration} != generation ${generation}`,
    );
  if (ready?.status !== 'True') problems.push(`${key}: Ready=${ready?.status} (${ready?.reason})`);
  if (ready?.observedGeneration !== undefined && ready.observedGeneration !== generation)
    problems.push(`${key}: Ready.observedGeneration ${ready.observedGeneration} != generation ${generation}`);
  const names = rendered.policies.map((x) => x.metadata.name).sort();
  if (!isDeepStrictEqual([...(p.status?.policies ?? [])].sort(), names))
    problems.push(
      `${key}: status.policies ${JSON.stringify(p.status?.policies)} != ${JSON.stringify(names)}`,
    );
  return problems;
}

/** What is wrong in one namespace (empty: exact). */
async function checkNamespace(rest: KubeRest, ns: string, scope: Scope): Promise<string[]> {
  const problems: string[] = [];
  const [profileList, policyList, nsObject] = await Promise.all([
    rest.get<{ items: LiveProfile[] }>(profiles(ns)),
    rest.get<{ items: LivePolicy[] }>(networkPolicies(ns)),
    rest.get<KubeObject>(namespacePath(ns)),
  ]);
  const live = new Map(policyList.items.map((p) => [p.metadata.name, p]));
  const expected = new Set<string>();
  for (const p of profileList.items) {
    if (p.metadata.deletionTimestamp) continue; // its children go by garbage collection
    const rendered = renderProfile(p, { settings: scope.settings, defaultNamespace: ns });
    if (rendered.mode !== 'Audit') for (const x of rendered.policies) expected.add(x.metadata.name);
    problems.push(...checkProfile(p, ns, scope, live));
  }
  const optedOut = nsObject.metadata.labels?.[BASELINE_OPT_OUT_LABEL] === BASELINE_OPT_OUT_VALUE;
  const baseline = live.get(BASELINE_POLICY_NAME);
  if (scope.baseline && !optedOut) {
    expected.add(BASELINE_POLICY_NAME);
    const desired = baselinePolicyFor(ns, { allowDNS: scope.allowDNS, settings: scope.settings });
    if (!baseline) problems.push(`${ns}: baseline missing`);
    else problems.push(...samePolicy(baseline, desired, undefined));
  }
  const profileUids = new Set(profileList.items.map((p) => p.metadata.uid));
  for (const p of policyList.items) {
    if (p.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || expected.has(p.metadata.name)) continue;
    // A child of a deleted profile is the garbage collector's to remove (kube-controller-manager),
    // not the operator's: still not exact, but told apart so the operator's time can be reported.
    const owner = p.metadata.ownerReferences?.find((r) => r.controller);
    const collectable = owner !== undefined && !profileUids.has(owner.uid);
    problems.push(`${collectable ? GC_PREFIX : ''}${ns}/${p.metadata.name}: orphan`);
  }
  return problems;
}

export async function exactStateProblems(rest: KubeRest, scope: Scope): Promise<string[]> {
  const all = await Promise.all(scope.namespaces.map((ns) => checkNamespace(rest, ns, scope)));
  return all.flat();
}

/** What was still wrong, and when (ms after the wait began): the story behind a slow convergence. */
export type ConvergeTrace = Array<{ ms: number; problems: number; awaitingGC: number; first?: string }>;

/** When only the garbage collector's part was left: the operator's own time to converge. */
export const operatorConvergedMs = (trace: ConvergeTrace) =>
  trace.find((t) => t.problems === t.awaitingGC)?.ms;

/** Polls until the state is exact; returns the milliseconds it took, or throws with what is still wrong. */
export async function waitExact(
  rest: KubeRest,
  scope: Scope,
  timeoutMs = 90_000,
  trace: ConvergeTrace = [],
): Promise<number> {
  const started = performance.now();
  let problems: string[] = ['not checked yet'];
  while (performance.now() - started < timeoutMs) {
    problems = await exactStateProblems(rest, scope).catch((e: Error) => [`cannot read: ${e.message}`]);
    const ms = Math.round(performance.now() - started);
    const awaitingGC = problems.filter((p) => p.startsWith(GC_PREFIX)).length;
    if (trace.at(-1)?.first !== problems[0] || trace.at(-1)?.problems !== problems.length)
      trace.push({
        ms,
        problems: problems.length,
        awaitingGC,
        ...(problems[0] ? { first: problems[0] } : {}),
      });
    if (problems.length === 0) return ms;
    await sleep(200);
  }
  throw new Error(
    `state not exact after ${timeoutMs} ms (${problems.length} problems):\n  ${problems.slice(0, 30).join('\n  ')}`,
  );
}
