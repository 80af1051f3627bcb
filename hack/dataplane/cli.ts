// `make demo`, `make demo-down` and `make dataplane-down`.
//   demo up:  control plane, dataplane, the operator (node dist/main.js, detached), the sample
//             namespaces with a pod for every component, the sample profiles, then each sample's
//             probes as a table of allowed/blocked connections. Everything stays up for kubectl.
//   demo down / down: removes what the demo (or a killed test run) left: processes, network
//             namespaces, the control plane.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINE_OPT_OUT_LABEL, BASELINE_OPT_OUT_VALUE } from '../../src/compiler/index.js';
import { profile as profilePath } from '../../src/kube/paths.js';
import { startControlPlane, stopControlPlane } from '../../test/cluster/controlplane.js';
import { installProjectCrds } from '../../test/cluster/crds.js';
import { REPO_ROOT } from '../../test/cluster/repo.js';
import { Dataplane } from '../../test/dataplane/dataplane.js';
import { enforcerBinary } from '../../test/dataplane/enforcer.js';
import { dataplaneUnsupportedReason } from '../../test/dataplane/host.js';
import { describeCheck, untilObserved } from '../../test/dataplane/observe.js';
import { destroyDataplane } from '../../test/dataplane/teardown.js';
import { startPlan } from '../../test/dataplane/world.js';
import { loadSample } from '../../test/helpers/samples.js';
import { SCENARIOS, type Scenario } from '../../test/helpers/scenarios.js';
import { DATAPLANE_PROVIDER, trafficPlan } from '../../test/helpers/traffic-plan.js';

const CACHE = join(REPO_ROOT, '.cache');
const DEMO = { state: join(CACHE, 'demo'), cluster: join(CACHE, 'demo-cluster') };
const TESTS = { state: join(CACHE, 'dataplane'), cluster: join(CACHE, 'dataplane-cluster') };

async function down(dirs: { state: string; cluster: string }): Promise<void> {
  const removed = await destroyDataplane(dirs.state);
  const stopped = await stopControlPlane(dirs.cluster);
  const all = [...removed, ...(stopped.length > 0 ? [`control plane (${stopped.join(', ')})`] : [])];
  console.log(all.length > 0 ? `removed: ${all.join('; ')}` : `nothing running for ${dirs.state}`);
}

async function waitReady(dataplane: Dataplane, namespace: string, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const p = await dataplane.rest.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
      profilePath(namespace, name),
    );
    if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${namespace}/${name} did not become Ready in 60 s (see .cache/demo/operator.log)`);
}

/** Starts a sample's world, applies its profile, prints its probes; returns how many differ from the intent. */
async function showSample(dataplane: Dataplane, scenario: Scenario): Promise<number> {
  const plan = trafficPlan(scenario, DATAPLANE_PROVIDER);
  const hosts = await startPlan(dataplane, plan, { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
  const sample = loadSample(scenario.example) as { metadata: { name: string; namespace: string } };
  await dataplane.rest.apply(
    profilePath(sample.metadata.namespace, sample.metadata.name),
    sample,
    'apptrust-demo',
  );
  await waitReady(dataplane, sample.metadata.namespace, sample.metadata.name);
  const observed = await untilObserved(dataplane, hosts, plan.probes, 4, 10_000);
  console.log(
    `${scenario.example} (config/samples/${scenario.example}.yaml, profile ${sample.metadata.namespace}/${sample.metadata.name})`,
  );
  const width = Math.max(
    ...[...observed, ...plan.leftOut.map((l) => l.probe)].map((o) => describeCheck(o).length),
  );
  let mismatches = 0;
  for (const o of observed) {
    const wrong = o.connected !== o.allowed;
    if (wrong) mismatches++;
    const expected = wrong ? `  (expected ${o.allowed ? 'allowed' : 'blocked'})` : '';
    console.log(`  ${describeCheck(o).padEnd(width)}  ${o.connected ? 'allowed' : 'blocked'}${expected}`);
  }
  for (const l of plan.leftOut)
    console.log(`  ${describeCheck(l.probe).padEnd(width)}  not probed: ${l.reason}`);
  console.log('');
  return mismatches;
}

async function demo(): Promise<void> {
  const reason = dataplaneUnsupportedReason();
  if (reason) {
    console.error(`make demo ${reason}`);
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  const binary = enforcerBinary();
  const cp = await startControlPlane(DEMO.cluster, { beforeControllers: installProjectCrds });
  const dataplane = await Dataplane.create({
    stateDir: DEMO.state,
    kubeconfig: cp.kubeconfig,
    enforcerBinary: binary,
  });
  const log = openSync(join(DEMO.state, 'operator.log'), 'a');
  const operator = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'dist', 'main.js'),
      '--leader-elect=false',
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
    ],
    { detached: true, stdio: ['ignore', log, log], env: { ...process.env, KUBECONFIG: cp.kubeconfig } },
  );
  operator.unref();
  dataplane.recordProcess('operator', operator.pid as number);
  console.log(`control plane, dataplane and operator up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log('sample namespaces are opted out of the baseline, so each profile alone decides what flows\n');

  let mismatches = 0;
  for (const scenario of SCENARIOS) mismatches += await showSample(dataplane, scenario);
  dataplane.close();
  console.log(
    mismatches === 0 ? 'every probe matches the intent' : `${mismatches} probes differ from the intent`,
  );
  console.log(`\nexport KUBECONFIG=${cp.kubeconfig}   # kubectl get atp,networkpolicies,pods -A`);
  console.log(
    `probe by hand: ip netns exec ${dataplane.nodeNetns} nft list ruleset; pods are network namespaces ${dataplane.nodeNetns.replace(/node$/, '')}<n>`,
  );
  console.log('stop everything: make demo-down');
  if (mismatches > 0) process.exitCode = 1;
}

async function main(): Promise<void> {
  const [command, what] = process.argv.slice(2);
  if (command === 'demo' && what === 'up')
    return demo().catch((error) => {
      console.error(`make demo failed; what it started stays up for a look: make demo-down removes it`);
      throw error;
    });
  if (command === 'demo' && what === 'down') return down(DEMO);
  if (command === 'down') return down(TESTS);
  console.error('usage: cli.js demo up | demo down | down');
  process.exitCode = 2;
}

await main();
