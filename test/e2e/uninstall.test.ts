// Run last by make e2e-kind (a run of its own, after the other kind tests): removes the operator the
// way the README says (make undeploy, or helm uninstall) and checks what is left: nothing runs and
// nothing is gated; the CRDs, the profiles, the policies they own and the baselines stay.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  BASELINE_OPT_OUT_LABEL,
  BASELINE_OPT_OUT_VALUE,
  BASELINE_POLICY_NAME,
} from '../../src/compiler/index.js';
import { namespace as namespacePath, networkPolicy, profile } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { eventually } from '../helpers/cluster.js';
import { frontendBackendProfile } from '../helpers/profiles.js';
import { describeIf } from '../helpers/skip.js';
import {
  applyNamespace,
  describeOnKind,
  FIELD_MANAGER,
  INSTALLER,
  KUBECONFIG,
  KUBECTL,
  kindRest,
  OPERATOR_NAMESPACE,
  serverContainer,
  waitRunning,
} from './kind-cluster.js';

const run = promisify(execFile);
const HELM = process.env.APPTRUST_E2E_HELM ?? 'helm';
const PHASE = process.env.APPTRUST_E2E_PHASE;
let rest: KubeRest;
const suffix = Date.now().toString(36);
const exists = (path: string) =>
  rest.get(path).then(
    () => true,
    (e: { status?: number }) => (e.status === 404 ? false : Promise.reject(e)),
  );

const describeLast =
  PHASE === 'uninstall'
    ? describeOnKind
    : describeIf(
        false,
        'it removes the operator: make e2e-kind runs it last, alone (APPTRUST_E2E_PHASE=uninstall)',
      );

describeLast(`kind: uninstalling leaves what the README says (${INSTALLER})`, () => {
  beforeAll(() => {
    rest = kindRest();
  });
  afterAll(() => rest?.close());

  it('keeps the CRDs, profiles, their policies and the baselines; removes the operator and its gate', async () => {
    const profiled = `e2e-keep-${suffix}`;
    await applyNamespace(rest, profiled, { [BASELINE_OPT_OUT_LABEL]: BASELINE_OPT_OUT_VALUE });
    await rest.apply(profile(profiled, 'web'), frontendBackendProfile('web', profiled), FIELD_MANAGER);
    await eventually(
      'the profile policy',
      () => exists(networkPolicy(profiled, 'web.backend')).then((e) => e || undefined),
      60_000,
      200,
    );
    const based = `e2e-based-${suffix}`;
    await applyNamespace(rest, based, {});
    await eventually(
      'the baseline',
      () => exists(networkPolicy(based, BASELINE_POLICY_NAME)).then((e) => e || undefined),
      60_000,
      200,
    );

    if (INSTALLER === 'helm')
      await run(HELM, [
        '--kubeconfig',
        KUBECONFIG as string,
        'uninstall',
        'apptrust-operator',
        '-n',
        OPERATOR_NAMESPACE,
        '--wait',
      ]);
    else
      await run('make', ['--no-print-directory', 'undeploy', `KUBECTL=${KUBECTL}`], {
        env: { ...process.env, KUBECONFIG: KUBECONFIG as string },
      });

    // Gone: the operator, its RBAC and the admission policies (and with make undeploy its namespace).
    await eventually(
      'the operator Deployment gone',
      async () =>
        (await exists(`/apis/apps/v1/namespaces/${OPERATOR_NAMESPACE}/deployments/apptrust-operator`))
          ? undefined
          : true,
      120_000,
      500,
    );
    expect(await exists('/apis/rbac.authorization.k8s.io/v1/clusterroles/apptrust-operator')).toBe(false);
    expect(
      await exists(
        '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/apptrust-baseline-gate',
      ),
    ).toBe(false);
    expect(
      await exists(
        '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/apptrust-baseline-marker-guard',
      ),
    ).toBe(false);
    if (INSTALLER !== 'helm')
      await eventually(
        'the operator namespace gone',
        async () => ((await exists(namespacePath(OPERATOR_NAMESPACE))) ? undefined : true),
        180_000,
        1000,
      );

    // Kept: the CRD, the profile, its policies, the baseline of a namespace and its marker.
    expect(
      await exists('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/apptrustprofiles.apptrust.dev'),
    ).toBe(true);
    expect(await exists(profile(profiled, 'web'))).toBe(true);
    expect(await exists(networkPolicy(profiled, 'web.backend'))).toBe(true);
    expect(await exists(networkPolicy(profiled, 'web.frontend'))).toBe(true);
    expect(await exists(networkPolicy(based, BASELINE_POLICY_NAME))).toBe(true);

    // Nothing is gated: a pod of a namespace created now runs, and gets no baseline. The API server
    // applies a deleted admission policy for a moment longer (its policy cache follows a watch):
    // retried like a controller, and how long the gate lingered is reported.
    const fresh = `e2e-fresh-${suffix}`;
    await applyNamespace(rest, fresh, {});
    const t0 = Date.now();
    let refusals = 0;
    await eventually(
      'a pod admitted in a namespace created after the uninstall',
      async () => {
        try {
          return await rest.apply(
            `/api/v1/namespaces/${fresh}/pods/p`,
            {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: 'p', namespace: fresh, labels: { app: 'p' } },
              spec: { terminationGracePeriodSeconds: 0, containers: [serverContainer([])] },
            },
            FIELD_MANAGER,
          );
        } catch (error) {
          refusals++;
          throw error;
        }
      },
      30_000,
      100,
    );
    console.log(
      `after ${INSTALLER} uninstall: the gate lingered ${refusals ? Date.now() - t0 : 0} ms (${refusals} refusals)`,
    );
    await waitRunning(rest, fresh, { app: 'p' }, 120_000);
    expect(await exists(networkPolicy(fresh, BASELINE_POLICY_NAME))).toBe(false);
    for (const ns of [profiled, based, fresh]) await rest.delete(namespacePath(ns)).catch(() => undefined);
  }, 420_000);
});
