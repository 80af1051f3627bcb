import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { crd } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';

interface Crd {
  metadata: { name: string };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/** Applies every CRD in `dir` (server-side) and waits until each is Established. */
export async function installCrds(rest: KubeRest, dir: string, timeoutMs = 30_000): Promise<string[]> {
  const names: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const object = doc.toJS() as (Crd & { kind?: string }) | null;
      if (object?.kind !== 'CustomResourceDefinition') continue; // e.g. kustomization.yaml
      await rest.apply(crd(object.metadata.name), object, 'apptrust-installer');
      names.push(object.metadata.name);
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const current = await rest.get<Crd>(crd(name));
      if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return names;
}
