// Without config/admission (Helm baseline.admissionGate=false) the operator has no namespaces
// patch: run as a ServiceAccount with exactly that RBAC, it still puts every baseline in place,
// never tries to mark a namespace (no Forbidden, no failed reconcile), and counts a namespace
// protected by its policy alone.
import { BASELINE_POLICY_NAME } from '../../src/compiler/index.js';
import { isOurBaseline } from '../../src/controller/baseline-reconciler.js';
import type { Operator } from '../../src/controller/operator.js';
import type { KubeObject } from '../../src/kube/objects.js';
import {
  baselineOf,
  deleteRecord,
  grantOperatorAccount,
  isMarked,
  nextSecond,
  OPERATOR_NAMESPACE,
  removeOperatorAccount,
} from '../helpers/baseline.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { startTestOperator } from '../helpers/operator.js';
import { serviceAccountKubeConfig } from '../helpers/service-account.js';

const ACCOUNT = 'apptrust-nogate-test';
const admin = testRest();
let operator: Operator | undefined;
const created: string[] = [];

beforeAll(async () => {
  await grantOperatorAccount(admin, ACCOUNT, false);
  await deleteRecord(admin);
  await nextSecond();
  const run = startTestOperator(
    [],
    { conflictRetryMs: 500 },
    await serviceAccountKubeConfig(admin, OPERATOR_NAMESPACE, ACCOUNT),
  );
  operator = run.operator;
  await run.started;
});

afterAll(async () => {
  await operator?.stop();
  for (const ns of created) await deleteNamespace(admin, ns);
  await removeOperatorAccount(admin, ACCOUNT);
  admin.close();
});

it('puts the baseline in place, marks nothing, fails no reconcile, and counts the namespace protected', async () => {
  const ns = await createNamespace(admin, 'nogate');
  created.push(ns);
  const baseline = await eventually('the baseline', () => baselineOf(admin, ns));
  expect(isOurBaseline(baseline as KubeObject)).toBe(true);
  expect(baseline.metadata.name).toBe(BASELINE_POLICY_NAME);
  await operator?.idle();
  await new Promise((r) => setTimeout(r, 500));
  expect(await isMarked(admin, ns)).toBe(false);
  const metrics = await operator?.metrics.registry.metrics();
  expect(metrics).not.toMatch(
    /controller_runtime_reconcile_total\{[^}]*controller="namespace-baseline"[^}]*result="error"[^}]*\} [1-9]/,
  );
  expect(metrics).toMatch(/apptrust_baseline_namespaces\{state="protected"\} [1-9]/);
});
