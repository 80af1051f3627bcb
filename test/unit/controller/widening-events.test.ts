// Which namespaces an informer event queues for the intent-widening controller: only what can
// change a report, never the echo of its own status write or a pod's phase.
import { pino } from 'pino';
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
    pods: cache() as never,
    namespaces: { get: () => undefined, list: () => [] },
    status: { applyConditions: async () => {} },
    events: { record: () => {} },
    expectedBaseline: undefined,
    now: () => '2026-12-03T00:00:00Z',
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
