// Event deduplication: the same (object, reason, note) is sent once per window. Events are paced,
// and yield to the writes that enforce.
import { pino } from 'pino';
import { EVENT_BURST, EventRecorder, MAX_PENDING_EVENTS } from '../../../src/kube/events.js';
import type { KubeRest, RequestSpec } from '../../../src/kube/rest.js';

/** `writing.since`: performance.now() of the last enforcing write (none by default). */
function recorder(now: { t: number }, writing = { since: Number.NEGATIVE_INFINITY }, maxDeferMs = 30_000) {
  const sent: RequestSpec[] = [];
  const rest = {
    request: async (spec: RequestSpec) => void sent.push(spec),
    msSinceWrite: () => performance.now() - writing.since,
  } as unknown as KubeRest;
  const events = new EventRecorder(rest, 'test-instance', pino({ level: 'silent' }), 60_000, () => now.t, {
    quietMs: 200, // far above the 20 ms steps below: a slow machine cannot pass or fail it by timing
    maxDeferMs,
  });
  return { events, sent };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const regarding = {
  apiVersion: 'apptrust.dev/v1alpha1',
  kind: 'AppTrustProfile',
  namespace: 'ns',
  name: 'p',
  uid: 'u1',
};

/** Lets the recorder's queue send what its limiter allows now. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

it('sends a repeated event once per window, and again after it', async () => {
  const now = { t: 1_000_000 };
  const { events, sent } = recorder(now);
  for (let i = 0; i < 100; i++) events.record(regarding, 'Warning', 'InvalidSpec', 'Validate', 'spec.x: bad');
  await flush();
  expect(sent).toHaveLength(1);
  now.t += 61_000;
  events.record(regarding, 'Warning', 'InvalidSpec', 'Validate', 'spec.x: bad');
  await flush();
  expect(sent).toHaveLength(2);
});

it('sends Events last: a burst at once, the rest paced, at most MAX_PENDING_EVENTS waiting', async () => {
  const { events, sent } = recorder({ t: 5 });
  const total = MAX_PENDING_EVENTS + 200;
  for (let i = 0; i < total; i++) events.record(regarding, 'Normal', 'Applied', 'Apply', `change ${i}`);
  await flush();
  expect(sent).toHaveLength(EVENT_BURST);
  expect(events.dropped).toBe(200);
});

it('sends distinct notes and objects separately, as events.k8s.io/v1 Events', async () => {
  const { events, sent } = recorder({ t: 5 });
  events.record(regarding, 'Normal', 'Applied', 'Create', 'created a');
  events.record(regarding, 'Normal', 'Applied', 'Create', 'created b');
  events.record({ ...regarding, uid: 'u2', name: 'q' }, 'Normal', 'Applied', 'Create', 'created a');
  await flush();
  expect(sent).toHaveLength(3);
  expect(sent[0]).toMatchObject({
    method: 'POST',
    path: '/apis/events.k8s.io/v1/namespaces/ns/events',
    body: {
      apiVersion: 'events.k8s.io/v1',
      type: 'Normal',
      reason: 'Applied',
      note: 'created a',
      regarding,
      reportingInstance: 'test-instance',
    },
  });
  expect((sent[0]?.body as { eventTime?: string } | undefined)?.eventTime).toMatch(
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/,
  );
});

it('holds Events while enforcing writes go on, and sends them once writes pause', async () => {
  const writing = { since: performance.now() };
  const { events, sent } = recorder({ t: 5 }, writing);
  events.record(regarding, 'Normal', 'Applied', 'Apply', 'applied');
  for (let i = 0; i < 5; i++) {
    await sleep(20);
    writing.since = performance.now(); // the operator is still writing
  }
  expect(sent).toHaveLength(0);
  await sleep(400); // writes have paused for longer than quietMs
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({ method: 'POST', background: true });
});

it('sends an Event held longer than maxDeferMs even while writes go on', async () => {
  const writing = { since: performance.now() };
  const { events, sent } = recorder({ t: 5 }, writing, 60);
  events.record(regarding, 'Normal', 'Applied', 'Apply', 'applied');
  for (let i = 0; i < 50 && sent.length === 0; i++) {
    writing.since = performance.now();
    await sleep(20);
  }
  expect(sent).toHaveLength(1);
});
