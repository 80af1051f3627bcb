// Benchmark: the reachability matrix of a 500-pod world (10 namespaces x 5 Deployments x 10 replicas
// minus two, plus 2 cluster DNS pods), profiles rendered and the baseline in every namespace.
// Prints numbers and writes bench-results/analysis.json. Not a test: nothing asserts a time.
// Floor: the same loop over every pod-level (from, to, port) cell, judging nothing: the ratio says
// what the NetworkPolicy semantics (and the reasons) cost on top of merely enumerating the cells.
import { mkdirSync, writeFileSync } from 'node:fs';
import { type Pod, ReachabilityAnalyzer, reachabilityMatrix, type World } from '../../src/analysis/index.js';
import type { AppTrustProfile } from '../../src/api/v1alpha1/index.js';
import { baselinePolicyFor, renderProfiles } from '../../src/compiler/index.js';
import { timed } from './timing.js';
import { wideningBench } from './widening-bench.js';

const NAMESPACES = 10;
const DEPLOYMENTS = 5;
const REPLICAS = 10;

function profileFor(ns: string): AppTrustProfile {
  const components = Array.from({ length: DEPLOYMENTS }, (_, d) => ({
    name: `app${d}`,
    podSelector: { matchLabels: { app: `app${d}` } },
  }));
  return {
    apiVersion: 'apptrust.dev/v1alpha1',
    kind: 'AppTrustProfile',
    metadata: { name: 'bench', namespace: ns },
    spec: {
      components,
      allow: [
        {
          from: { namespace: 'ns0', podSelector: { matchLabels: { app: 'app0' } } },
          to: { component: 'app0' },
          ports: [{ port: 8080 }],
        },
        { from: { component: 'app0' }, to: { component: 'app1' }, ports: [{ port: 8080 }] },
        { from: { component: 'app1' }, to: { component: 'app2' }, ports: [{ port: 5432 }] },
        { from: { component: 'app1' }, to: { component: 'app3' }, ports: [{ port: 6379 }, { port: 6380 }] },
        { from: { component: 'app3' }, to: { component: 'app4' }, ports: [{ port: 9000, endPort: 9100 }] },
        {
          from: { component: 'app2' },
          to: { cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] },
          ports: [{ port: 443 }],
        },
      ],
    },
  } as AppTrustProfile;
}

const PORTS: Record<number, Array<{ port: number; name: string }>> = {
  0: [{ port: 8080, name: 'http' }],
  1: [
    { port: 8080, name: 'http' },
    { port: 9090, name: 'metrics' },
  ],
  2: [{ port: 5432, name: 'pg' }],
  3: [
    { port: 6379, name: 'redis' },
    { port: 6380, name: 'redis-tls' },
  ],
  4: [{ port: 9050, name: 'api' }],
};

function world(): World {
  const pods: Pod[] = [];
  for (let n = 0; n < NAMESPACES; n++)
    for (let d = 0; d < DEPLOYMENTS; d++)
      for (let r = 0; r < REPLICAS; r++) {
        if (n === 0 && d === 0 && r >= REPLICAS - 2) continue; // room for the two DNS pods
        pods.push({
          namespace: `ns${n}`,
          name: `app${d}-5f7c9-${r}`,
          labels: { app: `app${d}`, 'pod-template-hash': '5f7c9' },
          ip: `10.${n}.${d}.${r + 1}`,
          owner: `ReplicaSet/app${d}-5f7c9`,
          ports: PORTS[d] ?? [],
        });
      }
  for (let r = 0; r < 2; r++)
    pods.push({
      namespace: 'kube-system',
      name: `coredns-6d4b-${r}`,
      labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '6d4b' },
      ip: `10.99.0.${r + 1}`,
      owner: 'ReplicaSet/coredns-6d4b',
      ports: [
        { port: 53, protocol: 'UDP', name: 'dns' },
        { port: 53, protocol: 'TCP', name: 'dns-tcp' },
      ],
    });
  const namespaces = Array.from({ length: NAMESPACES }, (_, n) => ({ name: `ns${n}` }));
  const profiles = namespaces.map((ns) => profileFor(ns.name));
  const rendered = renderProfiles(profiles.map((value) => ({ source: 'bench', value }))).policies;
  const baselines = namespaces.map((ns) => baselinePolicyFor(ns.name, { allowDNS: false }));
  return {
    namespaces: [...namespaces, { name: 'kube-system' }],
    pods,
    policies: [...rendered, ...baselines],
    profiles,
  };
}

/** The matrix benchmarks' shape: `timed` with the cell count it returned. */
function median(fn: () => number, runs = 5) {
  const { result, ...times } = timed(fn, runs);
  return { ...times, cells: result };
}

const w = world();
const declared = (p: Pod) => (p.ports ?? []).map((c) => ({ port: c.port, protocol: c.protocol ?? 'TCP' }));

// Floor: enumerate the pod-level cells, judging nothing.
const floor = median(() => {
  let cells = 0;
  for (const a of w.pods)
    for (const b of w.pods) if (a !== b) for (const { port } of declared(b)) cells += port > 0 ? 1 : 0;
  return cells;
});
const workloads = median(() => reachabilityMatrix(w).items.length);
const podsWithReasons = median(() => reachabilityMatrix(w, { groupBy: 'pod' }).items.length, 3);
const podsVerdictOnly = median(() => {
  const analyzer = new ReachabilityAnalyzer(w);
  let cells = 0;
  for (const a of w.pods)
    for (const b of w.pods)
      if (a !== b)
        for (const { port, protocol } of declared(b)) {
          analyzer.isAllowed(a, b, port, protocol);
          cells++;
        }
  return cells;
}, 3);
const allowed = reachabilityMatrix(w).items.filter((i) => i.allowed).length;

const result = {
  pods: w.pods.length,
  policies: w.policies.length,
  workloadMatrix: { ...workloads, rows: reachabilityMatrix(w).nodes.length, allowed },
  podMatrixWithReasons: { ...podsWithReasons, ratioToFloor: podsWithReasons.medianMs / floor.medianMs },
  podMatrixVerdictOnly: { ...podsVerdictOnly, ratioToFloor: podsVerdictOnly.medianMs / floor.medianMs },
  floorEnumerateCells: floor,
  widening: wideningBench(),
  node: process.version,
};
const ms = (n: number) => `${n.toFixed(1)} ms`;
console.log(`world: ${result.pods} pods, ${result.policies} NetworkPolicies`);
console.log(
  `workload matrix (what explain prints): ${result.workloadMatrix.rows} rows, ${workloads.cells} cells with reasons: median ${ms(workloads.medianMs)}`,
);
console.log(
  `pod matrix with reasons: ${podsWithReasons.cells} cells: median ${ms(podsWithReasons.medianMs)} (${result.podMatrixWithReasons.ratioToFloor.toFixed(1)}x floor)`,
);
console.log(
  `pod matrix, verdicts only: ${podsVerdictOnly.cells} cells: median ${ms(podsVerdictOnly.medianMs)} (${result.podMatrixVerdictOnly.ratioToFloor.toFixed(1)}x floor)`,
);
console.log(`floor (enumerate the pod cells, judge nothing): median ${ms(floor.medianMs)}`);
const wb = result.widening;
console.log(
  `widening report at ${wb.profiles} profiles (${wb.namespaces} namespaces, ${wb.pods} pods): every namespace ${ms(wb.everyNamespace.medianMs)}, one namespace (a changed policy or pod) ${ms(wb.oneNamespace.medianMs)}, one namespace with a foreign allow-all widening its ${wb.oneNamespaceAllWidened.widenedProfiles} profiles ${ms(wb.oneNamespaceAllWidened.medianMs)}`,
);
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/analysis.json', `${JSON.stringify(result, null, 2)}\n`);
