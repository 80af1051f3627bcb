// Which namespaces an informer event queues for the intent-widening controller: only what can
// change a report, never a status write or a pod's phase.
import { pino } from 'pino';
import {
  emptyBaseline,
  intentCondition,
  LivePods,
  namespaceIntents,
} from '../../../src/controller/intent-widening.js';
import { WideningController } from '../../../src/controller/widening-controller.js';

const cache = () => ({
  addIndex: () => {},
  byIndex: () => [],
  list: () => [],
  get: () => undefined,
});

function controller() {
  return new WideningController({
    profiles: cache() as never,
    policies: cache() as never,
    pods: new LivePods(undefined, 'namespace'),
    namespaces: { get: () => undefined, list: () => [] },
    intentChanges: { emit: () => {} },
    events: { record: () => {} },
    expectedBaseline: undefined,
    log: pino({ level: 'silent' }),
  }).eventKeys((ns) => (ns ? [ns] : []));
}

const profile = (generation: number, ready: boolean) => ({
  metadata: { name: 'shop', namespace: 'a', generation },
  status: ready
    ? {
        conditions: [
          { type: 'Ready', status: 'True', reason: 'Reconciled', message: '', lastTransitionTime: '' },
        ],
      }
    : {},
});
const pod = (labels: Record<string, string>, phase: string) => ({
  metadata: { name: 'p', namespace: 'a', labels },
  status: { phase, podIP: '10.0.0.1' },
});

describe('intent-widening event keys', () => {
  it('a profile: new, Ready appearing, a new generation, deleted; not a status echo', () => {
    const keys = controller();
    expect(keys.profile('add', profile(1, false) as never)).toEqual(['a']);
    expect(keys.profile('update', profile(1, false) as never)).toEqual([]);
    expect(keys.profile('update', profile(1, true) as never)).toEqual(['a']);
    expect(keys.profile('update', profile(1, true) as never)).toEqual([]);
    expect(keys.profile('update', profile(2, true) as never)).toEqual(['a']);
    expect(keys.profile('delete', profile(2, true) as never)).toEqual(['a']);
  });

  it('a pod: labels or addresses, not its phase; a namespace: its labels', () => {
    const keys = controller();
    expect(keys.pod('add', pod({ app: 'x' }, 'Pending') as never)).toEqual(['a']);
    expect(keys.pod('update', pod({ app: 'x' }, 'Running') as never)).toEqual([]);
    expect(keys.pod('update', pod({ app: 'y' }, 'Running') as never)).toEqual(['a']);
    const ns = (labels: Record<string, string>) => ({ metadata: { name: 'a', labels } });
    expect(keys.namespace('add', ns({}) as never)).toEqual(['a']);
    expect(keys.namespace('update', ns({}) as never)).toEqual([]);
    expect(keys.namespace('update', ns({ team: 'blue' }) as never)).toEqual(['a']);
  });
});

describe('intent-widening reconcile', () => {
  const NS = 'a';
  const store = <T extends { metadata: { namespace?: string; name: string } }>(items: T[]) => ({
    addIndex: () => {},
    byIndex: (_index: string, ns: string) => items.filter((i) => i.metadata.namespace === ns),
    list: () => items,
    get: (name: string) => items.find((i) => i.metadata.name === name),
  });
  const condition = (type: string, status: string, reason: string, message = '') => ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: '2026-12-03T00:00:00Z',
  });
  const shop = (intent?: ReturnType<typeof condition>) => ({
    apiVersion: 'apptrust.dev/v1alpha1',
    kind: 'AppTrustProfile',
    metadata: { name: 'shop', namespace: NS, uid: 'u1', generation: 1 },
    spec: {
      components: [{ name: 'web', podSelector: { matchLabels: { app: 'web' } } }],
      allow: [],
    },
    status: { conditions: [condition('Ready', 'True', 'Reconciled'), ...(intent ? [intent] : [])] },
  });
  const own = {
    metadata: {
      name: 'shop.web',
      namespace: NS,
      ownerReferences: [
        {
          apiVersion: 'apptrust.dev/v1alpha1',
          kind: 'AppTrustProfile',
          name: 'shop',
          uid: 'u1',
          controller: true,
        },
      ],
    },
    spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] },
  };
  const allowAll = {
    metadata: { name: 'allow-all', namespace: NS },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
  };

  function run(profile: ReturnType<typeof shop>, policies: object[]) {
    const emitted: string[] = [];
    const events: string[] = [];
    const controller = new WideningController({
      profiles: store([profile]) as never,
      policies: store(policies as never[]) as never,
      pods: new LivePods(undefined, 'namespace'),
      namespaces: store([{ metadata: { name: NS } }]) as never,
      intentChanges: { emit: (keys) => emitted.push(...keys) },
      events: { record: (_r, type, reason) => events.push(`${type} ${reason}`) },
      expectedBaseline: undefined,
      log: pino({ level: 'silent' }),
    });
    return { emitted, events, reconcile: () => controller.reconcile(NS) };
  }

  it('writes nothing itself: a profile whose IntentHonored is out of date is signalled to the profile controller', async () => {
    const honored = condition('IntentHonored', 'True', 'Honored', 'x');
    const { emitted, events, reconcile } = run(shop(honored), [own, allowAll]);
    await reconcile();
    expect(emitted).toEqual([`${NS}/shop`]);
    expect(events).toEqual(['Warning Widened']);
  });

  it('nothing signalled when the condition already says what the namespace shows', async () => {
    const { emitted, reconcile } = run(shop(), [own]);
    await reconcile();
    expect(emitted).toEqual([`${NS}/shop`]); // no condition yet: the profile controller sets it
    const honored = intentConditionFor([own]);
    const second = run(shop({ ...honored, lastTransitionTime: 'x' } as never), [own]);
    await second.reconcile();
    expect(second.emitted).toEqual([]);
  });

  function intentConditionFor(policies: object[]) {
    return intentCondition(
      namespaceIntents({
        namespace: NS,
        world: { namespaces: [{ name: NS }], pods: [] },
        policies: policies as never,
        profiles: [shop()],
        expectedBaseline: emptyBaseline(NS),
        protected: false,
      }).profiles[0]?.widening as never,
    );
  }
});
