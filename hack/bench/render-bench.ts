// Benchmark: compile time of 1,000 profiles (the CLI's hot path). Prints numbers and writes
// bench-results/render.json for comparison across runs. Not a test: nothing asserts a time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderProfiles } from '../../src/compiler/index.js';

const PROFILES = 1000;

function profile(i: number) {
  const components = Array.from({ length: 4 }, (_, c) => ({
    name: `c${c}`,
    podSelector: { matchLabels: { app: `a${i}-${c}` } },
  }));
  return {
    apiVersion: 'apptrust.dev/v1alpha1',
    kind: 'AppTrustProfile',
    metadata: { name: `p${i}`, namespace: `ns${i % 50}` },
    spec: {
      components,
      allow: [
        { from: { component: 'c0' }, to: { component: 'c1' }, ports: [{ port: 8080 }] },
        { from: { component: 'c1' }, to: { component: 'c2' }, ports: [{ port: 5432 }] },
        { from: { namespace: 'ingress' }, to: { component: 'c0' }, ports: [{ port: 443 }] },
        {
          from: { component: 'c2' },
          to: { cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] },
          ports: [{ port: 443 }],
        },
        { from: { component: 'c3' }, to: { component: 'c1' } },
      ],
    },
  };
}

const sources = Array.from({ length: PROFILES }, (_, i) => ({ source: 'bench', value: profile(i) }));
renderProfiles(sources.slice(0, 50)); // warm-up
const runs: number[] = [];
let policies = 0;
for (let run = 0; run < 5; run++) {
  const started = process.hrtime.bigint();
  policies = renderProfiles(sources).policies.length;
  runs.push(Number(process.hrtime.bigint() - started) / 1e6);
}
runs.sort((a, b) => a - b);
const result = {
  profiles: PROFILES,
  policies,
  medianMs: runs[2],
  minMs: runs[0],
  maxMs: runs[4],
  node: process.version,
};
console.log(
  `render ${PROFILES} profiles -> ${policies} policies: median ${result.medianMs?.toFixed(1)} ms (min ${result.minMs?.toFixed(1)}, max ${result.maxMs?.toFixed(1)})`,
);
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/render.json', `${JSON.stringify(result, null, 2)}\n`);
