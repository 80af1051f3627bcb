// The namespace baseline against a real API server: scope (by creation time against the record,
// by label, --baseline-existing), the protected marker, Events, repair, opt-out, never claiming a
// policy it did not create, and rollback with --baseline=false. The admission gate has its own file.
import { BASELINE_POLICY_NAME } from '../../src/compiler/index.js';
import { isOurBaseline } from '../../src/controller/baseline-reconciler.js';
import { PROTECTED_LABEL } from '../../src/controller/baseline-scope.js';
import type { Operator } from '../../src/controller/operator.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { namespace as namespacePath, networkPolicies, networkPolicy } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import {
  baselineOf,
  deleteRecord,
  ensureOperatorNamespace,
  eventsOf,
  eventWith,
  isMarked,
  namespaceOf,
  nextSecond,
  readRecord,
  type Stored,
} from '../helpers/baseline.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';
import { startTestOperator } from '../helpers/operator.js';
import { foreignPolicy } from '../helpers/profiles.js';

let rest: KubeRest;
let operator: Operator | undefined;
const created: string[] = [];
const latencies: number[] = [];
// Namespaces that exist before the operator first starts.
let existing: string;
let existingOptIn: string;
let existingTypo: string;
let existingWithOurs: string;
let snapshotOfExisting: string;

const absent = async (ns: string) => ((await baselineOf(rest, ns)) === undefined ? true : undefined);

async function namespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const ns = await createNamespace(rest, prefix, labels);
  created.push(ns);
  return ns;
}

async function setLabel(ns: string, key: string, value: string | null): Promise<void> {
  await rest.request({
    method: 'PATCH',
    path: namespacePath(ns),
    body: { metadata: { labels: { [key]: value } } },
    contentType: 'application/merge-patch+json',
  });
}

/** Everything in a namespace a fresh start must not change: its labels and its policies. */
async function snapshot(ns: string): Promise<string> {
  const n = await namespaceOf(rest, ns);
  const policies = await rest.get<{ items: Stored[] }>(networkPolicies(ns));
  return JSON.stringify({
    labels: n.metadata.labels,
    policies: policies.items.map((p) => [p.metadata.name, p.spec]),
  });
}

async function restart(flags: string[]): Promise<void> {
  await operator?.stop();
  const run = startTestOperator(['--baseline-exclude=excluded-by-flag', ...flags]);
  operator = run.operator;
  await run.started;
}

/** A namespace created now gets its baseline: proof the operator has caught up with older events. */
async function control(): Promise<string> {
  const ns = await namespace('control');
  await eventually('control namespace baseline and marker', async () =>
    (await baselineOf(rest, ns)) && (await isMarked(rest, ns)) ? true : undefined,
  );
  return ns;
}

beforeAll(async () => {
  rest = testRest();
  await ensureOperatorNamespace(rest);
  await deleteRecord(rest); // a cluster where the baseline was never enabled
  existing = await namespace('existing');
  existingOptIn = await namespace('existing-optin', { 'apptrust.dev/baseline': 'enabled' });
  existingTypo = await namespace('existing-typo', { 'apptrust.dev/baseline': 'yes-please' });
  // A baseline left by an earlier version of the operator (which back-filled every namespace).
  existingWithOurs = await namespace('existing-ours');
  await rest.request({
    method: 'POST',
    path: networkPolicies(existingWithOurs),
    body: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: BASELINE_POLICY_NAME,
        labels: {
          'app.kubernetes.io/managed-by': 'apptrust-operator',
          'apptrust.dev/policy-kind': 'baseline',
        },
      },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
  });
  snapshotOfExisting = await snapshot(existing);
  await nextSecond();
  await restart([]);
});

afterAll(async () => {
  await operator?.stop();
  for (const ns of created) await deleteNamespace(rest, ns);
  if (latencies.length > 0) {
    const sorted = [...latencies].sort((a, b) => a - b);
    process.stderr.write(
      `namespace stored -> baseline: median ${sorted[Math.floor(sorted.length / 2)]} ms, worst ${sorted[sorted.length - 1]} ms over ${sorted.length}\n`,
    );
  }
});

describe('namespace baseline scope', () => {
  it('writes the record once: its creationTimestamp, kept in spec.enabledSince, is when the baseline was first enabled', async () => {
    const record = await eventually('the record', async () => {
      const r = await readRecord(rest);
      return (r?.spec as { enabledSince?: string } | undefined)?.enabledSince ? r : undefined;
    });
    expect(record.spec).toEqual({
      excluded: ['apptrust-system', 'excluded-by-flag', 'kube-node-lease', 'kube-public', 'kube-system'],
      existing: false,
      watched: [],
      enabledSince: record.metadata.creationTimestamp,
    });
    await restart([]);
    await control();
    expect((await readRecord(rest))?.metadata).toMatchObject({
      uid: record.metadata.uid,
      creationTimestamp: record.metadata.creationTimestamp,
    });
  });

  it('a fresh start changes nothing in existing namespaces that did not opt in', async () => {
    await control();
    expect(await snapshot(existing)).toBe(snapshotOfExisting);
    expect(await eventsOf(rest, existing)).toEqual([]);
  });

  it('an existing namespace labelled apptrust.dev/baseline=enabled gets it, then the marker', async () => {
    await eventually('opted-in baseline', () => baselineOf(rest, existingOptIn));
    await eventually('opted-in marker', async () =>
      (await isMarked(rest, existingOptIn)) ? true : undefined,
    );
    await eventWith(rest, existingOptIn, 'BaselineCreated');
  });

  it('an unknown label value is a Warning Event naming the accepted values (and counts as absent)', async () => {
    const warning = await eventWith(rest, existingTypo, 'UnknownBaselineValue');
    expect(warning.type).toBe('Warning');
    expect(warning.note).toContain('"yes-please"');
    expect(warning.note).toContain('enabled, disabled');
    expect(await absent(existingTypo)).toBe(true); // existing, not opted in
  });

  it('an existing namespace holding our baseline keeps it and is marked (an upgrade never drops protection)', async () => {
    await eventually('marker on the upgraded namespace', async () =>
      (await isMarked(rest, existingWithOurs)) ? true : undefined,
    );
    expect(await baselineOf(rest, existingWithOurs)).toBeDefined();
  });

  // How fast is measured (printed here; `make bench` writes bench-results/operator.json), not asserted.
  it('new namespaces get it with its description annotation, then the marker, and an Event', async () => {
    for (let i = 0; i < 5; i++) {
      const ns = await namespace('new');
      const started = Date.now();
      await eventually('baseline in new namespace', () => baselineOf(rest, ns), 10_000, 10);
      latencies.push(Date.now() - started);
      await eventually('marker', async () => ((await isMarked(rest, ns)) ? true : undefined));
    }
    const ns = created[created.length - 1] as string;
    const policy = await baselineOf(rest, ns);
    expect(policy?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(policy?.metadata.annotations?.['apptrust.dev/description']).toContain(
      `kubectl label namespace ${ns} apptrust.dev/baseline=disabled`,
    );
    const event = await eventWith(rest, ns, 'BaselineCreated');
    expect(event.type).toBe('Normal');
  });

  it('is re-created when deleted and restored when edited, with BaselineRestored Events', async () => {
    const ns = await namespace('repair');
    const original = await eventually('baseline', () => baselineOf(rest, ns));
    await eventually('marker', async () => ((await isMarked(rest, ns)) ? true : undefined));
    await rest.delete(networkPolicy(ns, BASELINE_POLICY_NAME));
    await eventually('baseline re-created', () => baselineOf(rest, ns));
    await eventWith(rest, ns, 'BaselineRestored');
    const live = await rest.get<Stored>(networkPolicy(ns, BASELINE_POLICY_NAME));
    await rest.request({
      method: 'PUT',
      path: networkPolicy(ns, BASELINE_POLICY_NAME),
      body: { ...live, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] } },
    });
    await eventually('baseline restored', async () => {
      const now = await baselineOf(rest, ns);
      return JSON.stringify(now?.spec) === JSON.stringify(original.spec) ? true : undefined;
    });
  });

  it('opting out removes the baseline and the marker; opted-out and excluded namespaces never get one', async () => {
    const ns = await namespace('optout');
    await eventually('marker', async () => ((await isMarked(rest, ns)) ? true : undefined));
    await setLabel(ns, 'apptrust.dev/baseline', 'disabled');
    await eventually('baseline removed on opt-out', () => absent(ns));
    await eventually('marker removed on opt-out', async () =>
      (await isMarked(rest, ns)) ? undefined : true,
    );
    await eventWith(rest, ns, 'BaselineRemoved');
    const optedOut = await namespace('born-optout', { 'apptrust.dev/baseline': 'disabled' });
    await rest.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: 'excluded-by-flag' } },
    });
    created.push('excluded-by-flag');
    await control();
    for (const name of [optedOut, 'excluded-by-flag', 'kube-system', 'kube-public']) {
      expect(await absent(name)).toBe(true);
      expect(await isMarked(rest, name)).toBe(false);
    }
  });

  it('the policy of that name in a namespace in scope is the baseline: a foreign one and one with an owner are put back as rendered', async () => {
    const foreign = await namespace('foreign', { 'apptrust.dev/baseline': 'disabled' });
    await rest.request({
      method: 'POST',
      path: networkPolicies(foreign),
      body: foreignPolicy(BASELINE_POLICY_NAME),
    });
    // Our labels, but a controller owner: a profile's policy (issue 12's name takeover).
    const owned = await namespace('owned', { 'apptrust.dev/baseline': 'disabled' });
    const owner = await rest.request<Stored>({
      method: 'POST',
      path: `/api/v1/namespaces/${owned}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } },
    });
    await rest.request({
      method: 'POST',
      path: networkPolicies(owned),
      body: {
        ...foreignPolicy(BASELINE_POLICY_NAME),
        metadata: {
          name: BASELINE_POLICY_NAME,
          labels: {
            'app.kubernetes.io/managed-by': 'apptrust-operator',
            'apptrust.dev/policy-kind': 'baseline',
          },
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid, controller: true },
          ],
        },
      },
    });
    // Opting back in: in a namespace in scope the policy of that name IS the baseline, whatever
    // labels or owner it carries (a tenant can strip a label): put back as rendered, owner dropped.
    for (const ns of [foreign, owned]) await setLabel(ns, 'apptrust.dev/baseline', null);
    for (const ns of [foreign, owned]) {
      const restored = await eventually(`the baseline of ${ns} restored`, async () => {
        const live = await baselineOf(rest, ns);
        return live && isOurBaseline(live as KubeObject) ? live : undefined;
      });
      expect(restored.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      expect((restored as KubeObject).metadata.ownerReferences ?? []).toEqual([]);
      await eventually(`the marker on ${ns}`, async () => ((await isMarked(rest, ns)) ? true : undefined));
      const event = await eventWith(rest, ns, 'BaselineRestored');
      expect(event.note).toContain('stripped');
    }
  });

  it('--baseline-existing puts it into existing namespaces too', async () => {
    await restart(['--baseline-existing=true']);
    await eventually('baseline in the existing namespace', () => baselineOf(rest, existing));
    await eventually('marker on the existing namespace', async () =>
      (await isMarked(rest, existing)) ? true : undefined,
    );
    expect((await readRecord(rest))?.spec?.existing).toBe(true);
  });

  it('--baseline=false removes every baseline it created and its markers and record, and nothing else', async () => {
    const ours = created.filter((ns) => ns.startsWith('new-') || ns.startsWith('control-'));
    const foreignLeft = await namespace('foreign-left', { 'apptrust.dev/baseline': 'disabled' });
    await rest.request({
      method: 'POST',
      path: networkPolicies(foreignLeft),
      body: foreignPolicy(BASELINE_POLICY_NAME),
    });
    // Out of scope (opted out), a policy of that name is not the operator's: left alone.
    const foreignNamespaces = created.filter((ns) => ns.startsWith('foreign-left-'));
    expect(foreignNamespaces).toHaveLength(1);
    const foreignBefore = await Promise.all(foreignNamespaces.map((ns) => baselineOf(rest, ns)));
    await restart(['--baseline=false']);
    for (const ns of [...ours, existing, existingOptIn, existingWithOurs]) {
      await eventually(`baseline removed from ${ns}`, () => absent(ns));
      await eventually(`marker removed from ${ns}`, async () =>
        (await isMarked(rest, ns)) ? undefined : true,
      );
    }
    await eventWith(rest, existing, 'BaselineRemoved');
    expect(await readRecord(rest)).toBeUndefined();
    expect(await Promise.all(foreignNamespaces.map((ns) => baselineOf(rest, ns)))).toEqual(foreignBefore);
    // And it stays off: a new namespace gets nothing.
    const later = await namespace('after-rollback');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await absent(later)).toBe(true);
    expect((await namespaceOf(rest, later)).metadata.labels?.[PROTECTED_LABEL]).toBeUndefined();
  });
});
