// The in-process operator acting as a ServiceAccount of the test (so its own RBAC is what it has), one
// at a time: start() replaces a running one, stop() ends it. For tests that restart it mid-test.
import type { Operator, OperatorHooks } from '../../src/controller/operator.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { startTestOperator, TEST_OPERATOR_NAMESPACE } from './operator.js';
import { serviceAccountKubeConfig } from './service-account.js';

export class AccountOperator {
  /** The running operator (undefined: stopped or not started yet). */
  current: Operator | undefined;

  /** `admin` is read at start: test files assign their admin client in beforeAll. */
  constructor(
    private readonly admin: () => KubeRest,
    private readonly account: string,
  ) {}

  async start(flags: string[] = [], hooks: OperatorHooks = {}): Promise<void> {
    await this.current?.stop();
    const kc = await serviceAccountKubeConfig(this.admin(), TEST_OPERATOR_NAMESPACE, this.account);
    const run = startTestOperator(flags, hooks, kc);
    this.current = run.operator;
    await run.started;
  }

  async stop(): Promise<void> {
    await this.current?.stop();
    this.current = undefined;
  }
}
