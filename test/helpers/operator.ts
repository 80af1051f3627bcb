// Runs the operator in-process against the integration cluster: the one starter the integration
// and dataplane tests share (the process-level one is test/helpers/process.ts).
import type { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { parseOptions } from '../../src/config.js';
import { Operator, type OperatorHooks } from '../../src/controller/operator.js';
import { testKubeConfig } from './cluster.js';

/** The namespace the in-process operator runs "in" (its Lease, its baseline record). */
export const TEST_OPERATOR_NAMESPACE = 'apptrust-system';

/**
 * The operator with `flags` (no leader election, no HTTP endpoints), as `kubeConfig`'s identity
 * (default: the test admin), retrying conflicts after 500 ms instead of 30 s.
 */
export function startTestOperator(
  flags: string[] = [],
  hooks: OperatorHooks = {},
  kubeConfig: KubeConfig = testKubeConfig(),
): { operator: Operator; started: Promise<void> } {
  const options = parseOptions(
    [
      '--leader-elect=false',
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      `--operator-namespace=${TEST_OPERATOR_NAMESPACE}`,
      ...flags,
    ],
    {},
  );
  const log = pino({ level: process.env.APPTRUST_TEST_LOG ?? 'silent' });
  const operator = new Operator(kubeConfig, options, log, { conflictRetryMs: 500, ...hooks });
  return { operator, started: operator.start() };
}
