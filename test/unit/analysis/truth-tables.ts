// Loads the truth-table cases of test/analysis (upstream e2e and ours) and judges them with the
// evaluator, building each expectation the way upstream's reachability.go does.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Namespace, Pod } from '../../../src/analysis/index.js';
import { ReachabilityAnalyzer } from '../../../src/analysis/index.js';
import type { NetworkPolicy, Protocol } from '../../../src/compiler/index.js';

export const CASES_DIR = join(import.meta.dirname, '..', '..', 'analysis');

interface Peer {
  namespace?: string;
  pod?: string;
}
type Expectation =
  | { ExpectPeer: { from: Peer; to: Peer; connected: boolean } }
  | { ExpectAllIngress: { pod: string; connected: boolean } }
  | { ExpectAllEgress: { pod: string; connected: boolean } }
  | { Expect: { from: string; to: string; connected: boolean } };

interface Probe {
  port: number;
  protocol: Protocol;
  expect: Expectation[];
}

interface Step {
  note?: string;
  namespaceLabels?: Record<string, Record<string, string>>;
  podLabels?: Record<string, Record<string, string>>;
  policies: NetworkPolicy[];
  probes: Probe[];
}

export interface TruthTableCase {
  file: string;
  provenance: { repository: string; path?: string; commit?: string; title: string; license?: string };
  protocols: Protocol[];
  ports: number[];
  steps: Step[];
}

interface Model {
  namespaces: string[];
  pods: string[];
  ips: Record<string, string>;
}

export const MODEL = parse(readFileSync(join(CASES_DIR, 'upstream', 'model.yaml'), 'utf8')) as Model;
const POD_STRINGS = MODEL.namespaces.flatMap((ns) => MODEL.pods.map((p) => `${ns}/${p}`));

export function loadCases(dir: string): TruthTableCase[] {
  return readdirSync(join(CASES_DIR, dir))
    .filter((f) => f.endsWith('.yaml') && f !== 'model.yaml')
    .sort()
    .map(
      (f) =>
        ({
          file: `${dir}/${f}`,
          ...(parse(readFileSync(join(CASES_DIR, dir, f), 'utf8')) as object),
        }) as TruthTableCase,
    );
}

const split = (s: string) => s.split('/') as [string, string];
const peerMatches = (p: Peer, pod: string) => {
  const [ns, name] = split(pod);
  return (!p.namespace || p.namespace === ns) && (!p.pod || p.pod === name);
};

/** The value an expectation sets for the pair from -> to, or undefined when it does not apply. */
function expectationFor(e: Expectation, from: string, to: string): boolean | undefined {
  if ('ExpectPeer' in e)
    return peerMatches(e.ExpectPeer.from, from) && peerMatches(e.ExpectPeer.to, to)
      ? e.ExpectPeer.connected
      : undefined;
  if ('ExpectAllIngress' in e)
    return to === e.ExpectAllIngress.pod ? e.ExpectAllIngress.connected : undefined;
  if ('ExpectAllEgress' in e) return from === e.ExpectAllEgress.pod ? e.ExpectAllEgress.connected : undefined;
  return from === e.Expect.from && to === e.Expect.to ? e.Expect.connected : undefined;
}

/** reachability.go: all connected, then each expectation in order. Keys "from -> to". */
export function expectedTable(probe: Probe): Map<string, boolean> {
  const table = new Map<string, boolean>();
  for (const f of POD_STRINGS) for (const t of POD_STRINGS) table.set(`${f} -> ${t}`, true);
  for (const e of probe.expect)
    for (const f of POD_STRINGS)
      for (const t of POD_STRINGS) {
        const value = expectationFor(e, f, t);
        if (value !== undefined) table.set(`${f} -> ${t}`, value);
      }
  return table;
}

/** The world of one step: the model, its labels so far, its pods serving the case's ports. */
export function worldOf(c: TruthTableCase, upTo: number, policies: NetworkPolicy[]) {
  const nsLabels: Record<string, Record<string, string>> = {};
  const podLabels: Record<string, Record<string, string>> = {};
  for (const step of c.steps.slice(0, upTo + 1)) {
    for (const [ns, labels] of Object.entries(step.namespaceLabels ?? {}))
      nsLabels[ns] = { ...nsLabels[ns], ...labels };
    for (const [pod, labels] of Object.entries(step.podLabels ?? {})) podLabels[pod] = labels;
  }
  const namespaces: Namespace[] = MODEL.namespaces.map((name) => ({ name, labels: nsLabels[name] ?? {} }));
  const pods: Pod[] = POD_STRINGS.map((key) => {
    const [namespace, name] = split(key);
    return {
      namespace,
      name,
      labels: podLabels[key] ?? { pod: name },
      ip: MODEL.ips[key] as string,
      ports: c.ports.flatMap((port) =>
        c.protocols.map((protocol) => ({ port, protocol, name: `serve-${port}-${protocol.toLowerCase()}` })),
      ),
    };
  });
  return { namespaces, pods, policies };
}

/** Cells where the evaluator disagrees with the expectation (loopback not judged), as readable lines. */
export function mismatches(c: TruthTableCase, options: { ignorePolicies?: boolean } = {}): string[] {
  const out: string[] = [];
  c.steps.forEach((step, s) => {
    const world = worldOf(c, s, options.ignorePolicies ? [] : step.policies);
    const analyzer = new ReachabilityAnalyzer(world);
    const byName = new Map(world.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
    for (const probe of step.probes) {
      for (const [key, expected] of expectedTable(probe)) {
        const [from, to] = key.split(' -> ') as [string, string];
        if (from === to) continue;
        const [a, b] = [byName.get(from) as Pod, byName.get(to) as Pod];
        const fast = analyzer.isAllowed(a, b, probe.port, probe.protocol);
        const explained = analyzer.explain(a, b, probe.port, probe.protocol).allowed;
        if (fast !== expected || explained !== expected)
          out.push(
            `step ${s + 1} ${probe.protocol}/${probe.port} ${key}: expected ${expected}, got ${fast}/${explained}`,
          );
      }
    }
  });
  return out;
}
