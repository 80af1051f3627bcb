// Audit's evidence over a 2,000-pod world (20 namespaces, hack/bench/audit-world.ts): it stays under
// the default caps, keeps the event loop turning, and names no workload of another namespace. The
// same world on the real API server, with the operator process and its lease: test/faults/audit-load.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { auditNamespaces, auditWorld } from '../../../hack/bench/audit-world.js';
import { loadSources } from '../../../src/cli/load.js';
import { worldInputOf } from '../../../src/cli/world-input.js';
import { renderProfile } from '../../../src/compiler/index.js';
import {
  DEFAULT_EVIDENCE_LIMITS,
  flowEvidence,
  flowEvidenceInWorld,
} from '../../../src/controller/audit-evidence.js';

it('2,000 pods: complete under the default caps, the loop never blocked for long, no foreign workload named', async () => {
  const names = auditNamespaces();
  const world = auditWorld(2000, names);
  const rendered = renderProfile(world.audit, { defaultNamespace: names[0] }).policies;
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const evidence = await flowEvidence(world, names[0] as string, new Set(), rendered);
  lag.disable();
  expect(evidence.limit).toBeUndefined();
  expect(evidence.stats?.judged).toBe(evidence.stats?.total);
  expect(evidence.stats?.total).toBeLessThan(DEFAULT_EVIDENCE_LIMITS.maxCells);
  expect(evidence.stats?.elapsedMs).toBeLessThan(DEFAULT_EVIDENCE_LIMITS.maxTimeMs);
  // ns0's 50 "back" workloads newly reach ns1 on 8080: one flow each, ns1 named by namespace only.
  expect(evidence).toMatchObject({ newlyDenied: 0, newlyAllowed: 50 });
  const text = JSON.stringify({ ...evidence, stats: undefined });
  for (const foreign of names.slice(1)) expect(text).not.toMatch(new RegExp(`${foreign}/`));
  expect(text).not.toContain('tier');
  // Slices of ~10 ms between yields: far below a lease renewal (10 s by default). The setup before
  // the first slice (grouping 2,000 pods) is the longest stretch; a loaded machine may stretch it.
  expect(lag.max / 1e6).toBeLessThan(1000);
  expect(evidence.stats?.longestStretchMs).toBeLessThan(1000);
});

it('2,000 pods from files, read by the CLI: the same evidence, under the caps', async () => {
  const names = auditNamespaces();
  const world = auditWorld(2000, names);
  const dir = mkdtempSync(join(tmpdir(), 'apptrust-audit-world-'));
  try {
    const docs = (objects: unknown[]) => objects.map((o) => stringify(o)).join('---\n');
    writeFileSync(
      join(dir, 'namespaces.yaml'),
      docs(world.namespaces.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', ...n }))),
    );
    writeFileSync(
      join(dir, 'pods.yaml'),
      docs(world.pods.map((p) => ({ apiVersion: 'v1', kind: 'Pod', ...p }))),
    );
    writeFileSync(join(dir, 'policies.yaml'), docs(world.policies));
    writeFileSync(join(dir, 'profile.yaml'), stringify(world.audit));
    const loaded = loadSources([dir], false, () => '');
    expect(loaded.problems).toEqual([]);
    const input = worldInputOf(loaded.documents, 'default');
    expect(input.problems).toEqual([]);
    expect(input.pods).toHaveLength(2000);
    const [profile] = input.profiles;
    const rendered = renderProfile(profile?.value, { defaultNamespace: names[0] }).policies;
    const fromFiles = await flowEvidenceInWorld(
      { namespaces: input.namespaces, pods: input.pods, policies: input.policies },
      names[0] as string,
      new Set(),
      rendered,
    );
    const inMemory = await flowEvidence(world, names[0] as string, new Set(), rendered);
    expect(fromFiles.limit).toBeUndefined();
    expect(fromFiles.stats?.judged).toBe(inMemory.stats?.judged);
    expect({ ...fromFiles, stats: undefined }).toEqual({ ...inMemory, stats: undefined });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
