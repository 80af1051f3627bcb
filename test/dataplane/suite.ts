// What every dataplane test file shares: skip with the reason where the tier cannot run, the run's
// dataplane and the operator under test on its control plane. The records the tier exposes:
// verdicts.ts (test-results/dataplane-probes.jsonl), latency.ts (dataplane-latency.jsonl).
import { BASELINE_OPT_OUT_LABEL, BASELINE_OPT_OUT_VALUE } from '../../src/compiler/index.js';
import type { Operator } from '../../src/controller/operator.js';
import { startTestOperator } from '../helpers/operator.js';
import { Dataplane } from './dataplane.js';

export const SKIP_REASON = process.env.APPTRUST_DATAPLANE_SKIP;
if (SKIP_REASON) console.warn(`dataplane tier skipped: ${SKIP_REASON}`);
/** `describe` where the dataplane runs, `describe.skip` (reported as skipped, with the reason above) elsewhere. */
export const describeDataplane = SKIP_REASON ? describe.skip : describe;

/** Namespace labels without the baseline: a test that probes a profile alone, or a control. */
export const OPTED_OUT = { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE };

export function attachDataplane(): Dataplane {
  const stateDir = process.env.APPTRUST_DATAPLANE_STATE;
  const kubeconfig = process.env.APPTRUST_DATAPLANE_KUBECONFIG;
  if (!stateDir || !kubeconfig)
    throw new Error('no dataplane: run the dataplane project through jest (global setup)');
  // The operator helpers read the cluster from here (a per-file copy of the environment in Jest).
  process.env.APPTRUST_TEST_KUBECONFIG = kubeconfig;
  return Dataplane.attach(stateDir);
}

/** The real operator (the same code as dist/main.js), in this process, on the dataplane's cluster. */
export async function startOperator(flags: string[] = []): Promise<Operator> {
  const { operator, started } = startTestOperator(flags);
  await started;
  return operator;
}

/**
 * What a dataplane test file runs against, in its beforeAll: the run's dataplane and the operator
 * under test (with `flags`). Pair with tearDownDataplane in afterAll.
 */
export async function setUpDataplane(
  flags: string[] = [],
): Promise<{ dataplane: Dataplane; operator: Operator }> {
  const dataplane = attachDataplane();
  try {
    return { dataplane, operator: await startOperator(flags) };
  } catch (error) {
    dataplane.close();
    throw error;
  }
}

/** The afterAll of a dataplane test file: the operator as it is now (a test may have restarted it). */
export async function tearDownDataplane(dataplane: Dataplane | undefined, operator: Operator | undefined) {
  await operator?.stop();
  dataplane?.close();
}
