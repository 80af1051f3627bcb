// Helpers of the baseline tests: the record, the admission objects of config/admission, Events on
// a namespace, and an in-process operator under any identity. The dataplane tests can call these.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { BASELINE_POLICY_NAME } from '../../src/compiler/index.js';
import { PROTECTED_LABEL } from '../../src/controller/baseline-scope.js';
import { BASELINE_RECORD_NAME } from '../../src/kube/baseline-record.js';
import { isNotFound } from '../../src/kube/errors.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { baselineRecord, namespace, networkPolicy } from '../../src/kube/paths.js';
import {
  AUDIT_EVIDENCE_RULES,
  BASELINE_RECORD_RULES,
  CLUSTER_RULES,
  MARKER_RULES,
} from '../../src/kube/rbac.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { eventually } from './cluster.js';
import { TEST_OPERATOR_NAMESPACE } from './operator.js';
import { ROOT } from './process.js';

export const OPERATOR_NAMESPACE = TEST_OPERATOR_NAMESPACE;
export const OPERATOR_USERNAME = 'system:serviceaccount:apptrust-system:apptrust-operator';
const ADMISSION = '/apis/admissionregistration.k8s.io/v1';

/** An object as the API server returns it. */
export type Stored = KubeObject & { spec?: unknown };

export async function ensureOperatorNamespace(rest: KubeRest): Promise<void> {
  await rest.apply(
    namespace(OPERATOR_NAMESPACE),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NAMESPACE } },
    'apptrust-test',
  );
}

/** Forget when the baseline was first enabled: the next operator start is a fresh one. */
export async function deleteRecord(rest: KubeRest): Promise<void> {
  // Retried until gone: a record guard an earlier test file just deleted may still be in force for
  // a moment (the API server's admission sees policy changes late), and would refuse the delete;
  // the record left behind would make "old" namespaces new ones.
  await eventually('the baseline record to be deleted', async () => {
    await rest.delete(baselineRecord(OPERATOR_NAMESPACE, BASELINE_RECORD_NAME)).catch(() => undefined);
    return (await readRecord(rest)) === undefined ? true : undefined;
  });
}

export const readRecord = (rest: KubeRest) =>
  rest
    .get<Stored & { spec?: { excluded: string[]; watched: string[]; existing: boolean } }>(
      baselineRecord(OPERATOR_NAMESPACE, BASELINE_RECORD_NAME),
    )
    .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));

/** Namespaces created from now on are newer than any record written so far (second precision). */
export async function nextSecond(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
}

export const baselineOf = (rest: KubeRest, ns: string) =>
  rest
    .get<Stored>(networkPolicy(ns, BASELINE_POLICY_NAME))
    .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));

export const namespaceOf = (rest: KubeRest, ns: string) => rest.get<Stored>(namespace(ns));

export const isMarked = async (rest: KubeRest, ns: string) =>
  (await namespaceOf(rest, ns)).metadata.labels?.[PROTECTED_LABEL] === 'true';

export async function eventsOf(
  rest: KubeRest,
  ns: string,
): Promise<Array<{ reason: string; type: string; note: string; regarding: { kind: string; name: string } }>> {
  const list = await rest.get<{
    items: Array<{ reason: string; type: string; note: string; regarding: { kind: string; name: string } }>;
  }>(`/apis/events.k8s.io/v1/namespaces/${ns}/events`);
  return list.items.filter((e) => e.regarding.kind === 'Namespace' && e.regarding.name === ns);
}

export const eventWith = (rest: KubeRest, ns: string, reason: string) =>
  eventually(`${reason} event in ${ns}`, async () =>
    (await eventsOf(rest, ns)).find((e) => e.reason === reason),
  );

type Manifest = { kind: string; metadata: { name: string }; [key: string]: unknown };

/** The admission policies and bindings of config/admission (the lock: `lock/lock.yaml`). */
export const ADMISSION_FILES = [
  'gate.yaml',
  'marker-guard.yaml',
  'exemption.yaml',
  'baseline-guard.yaml',
  'record-guard.yaml',
];

/**
 * The admission policies and bindings of `files` as `kubectl apply -k` would send them, naming
 * `operatorUsername` (RBAC objects are left out: the tests grant their own accounts).
 */
export function admissionObjects(operatorUsername = OPERATOR_USERNAME, files = ADMISSION_FILES): Manifest[] {
  return files.flatMap((file) => {
    const text = readFileSync(join(ROOT, 'config', 'admission', file), 'utf8').replaceAll(
      `'${OPERATOR_USERNAME}'`,
      `'${operatorUsername}'`,
    );
    return parseAllDocuments(text)
      .map((d) => d.toJS() as Manifest)
      .filter((m) => m.kind.startsWith('ValidatingAdmissionPolicy'));
  });
}

const pathOf = (m: Manifest) =>
  `${ADMISSION}/${m.kind === 'ValidatingAdmissionPolicy' ? 'validatingadmissionpolicies' : 'validatingadmissionpolicybindings'}`;

export async function applyAdmission(
  rest: KubeRest,
  operatorUsername?: string,
  files?: string[],
): Promise<void> {
  for (const object of admissionObjects(operatorUsername, files))
    await rest.apply(`${pathOf(object)}/${object.metadata.name}`, object, 'apptrust-test');
}

export async function deleteAdmission(rest: KubeRest, files?: string[]): Promise<void> {
  for (const object of admissionObjects(undefined, files).reverse())
    await rest.delete(`${pathOf(object)}/${object.metadata.name}`).catch(() => undefined);
}

/** A pod as a controller would create it (no kubelet runs here: it only has to be admitted). */
export function podBody(ns: string, name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: 'probe' } },
    // Meets Pod Security "restricted": the operator's namespace enforces it once the deploy tests
    // have applied config/ (its namespace carries the label), and only our gate may refuse a probe.
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'c',
          image: 'registry.invalid/probe:1',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

/** The paths and bodies that give ServiceAccount `account` the operator's RBAC (src/kube/rbac.ts). */
function operatorAccountObjects(account: string, withMarker = true): Array<[string, unknown]> {
  const subjects = [{ kind: 'ServiceAccount', name: account, namespace: OPERATOR_NAMESPACE }];
  const roleRef = (kind: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name: account });
  return [
    [
      `/api/v1/namespaces/${OPERATOR_NAMESPACE}/serviceaccounts/${account}`,
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: account, namespace: OPERATOR_NAMESPACE },
      },
    ],
    [
      `${RBAC}/clusterroles/${account}`,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: account },
        // Audit evidence is on by default; the marker rule where the test installs the marker
        // guard (config/admission).
        rules: [...CLUSTER_RULES, ...AUDIT_EVIDENCE_RULES, ...(withMarker ? MARKER_RULES : [])],
      },
    ],
    [
      `${RBAC}/clusterrolebindings/${account}`,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: account },
        roleRef: roleRef('ClusterRole'),
        subjects,
      },
    ],
    [
      `${RBAC}/namespaces/${OPERATOR_NAMESPACE}/roles/${account}`,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: account, namespace: OPERATOR_NAMESPACE },
        rules: BASELINE_RECORD_RULES,
      },
    ],
    [
      `${RBAC}/namespaces/${OPERATOR_NAMESPACE}/rolebindings/${account}`,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: account, namespace: OPERATOR_NAMESPACE },
        roleRef: roleRef('Role'),
        subjects,
      },
    ],
  ];
}

/** A ServiceAccount of the operator's namespace with the operator's RBAC: the identity the marker guard names. */
export async function grantOperatorAccount(
  admin: KubeRest,
  account: string,
  withMarker = true,
): Promise<void> {
  await ensureOperatorNamespace(admin);
  for (const [path, body] of operatorAccountObjects(account, withMarker))
    await admin.apply(path, body, 'apptrust-test');
}

export async function removeOperatorAccount(admin: KubeRest, account: string): Promise<void> {
  for (const [path] of operatorAccountObjects(account).reverse())
    await admin.delete(path).catch(() => undefined);
}
