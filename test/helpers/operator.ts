// Runs the operator in-process against the integration cluster.
import { pino } from 'pino';
import { parseOptions } from '../../src/config.js';
import { Operator, type OperatorHooks } from '../../src/controller/operator.js';
import { testKubeConfig } from './cluster.js';

export function startTestOperator(
  flags: string[] = [],
  hooks: OperatorHooks = {},
): { operator: Operator; started: Promise<void> } {
  const options = parseOptions(
    [
      '--leader-elect=false',
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      '--operator-namespace=apptrust-system',
      ...flags,
    ],
    {},
  );
  const operator = new Operator(
    testKubeConfig(),
    options,
    pino({ level: process.env.APPTRUST_TEST_LOG ?? 'silent' }),
    {
      conflictRetryMs: 500,
      ...hooks,
    },
  );
  return { operator, started: operator.start() };
}
