// Events: the same (object, reason, note) is sent once per window; paced; Normal ones can be held,
// and yield to the operator's enforcing writes (for a bounded time).
import { pino } from 'pino';
import { EVENT_BURST, EventRecorder, MAX_PENDING_EVENTS } from '../../../src/kube/events.js';
import type { KubeRest, RequestSpec } from '../../../src/kube/rest.js';

/** `writing.at`: performance.now() of the operator's last enforcing write (none by default). */
function recorder(
  now: { t: number },
  writing = { at: Number.NEGATIVE_INFINITY },
  yielding = { quietMs: 100, maxMs: 2_000 },
) {
  const sent: RequestSpec[] = [];
  const rest = {
    request: async (spec: RequestSpec) => void sent.push(spec),
    msSinceWrite: () => performance.now() - writing.at,
  } as unknown as KubeRest;
  const events = new EventRecorder(
    rest,
    'test-instance',
    pino({ level: 'silent' }),
    60_000,
    () => now.t,
    yielding,
  );
  return { events, sent };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const notes = (sent: RequestSpec[]) => sent.map((s) => (s.body as { note: string }).note);

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

it('drops an Event that finds the queue full without remembering it: its repeat is counted, not deduped', () => {
  const { events } = recorder({ t: 5 });
  // Recorded in one go: nothing has left yet, so the queue is full.
  for (let i = 0; i < MAX_PENDING_EVENTS; i++)
    events.record(regarding, 'Normal', 'Applied', 'Apply', `change ${i}`);
  expect(events.dropped).toBe(0);
  events.record(regarding, 'Warning', 'ApplyFailed', 'Apply', 'refused');
  events.record(regarding, 'Warning', 'ApplyFailed', 'Apply', 'refused');
  expect(events.dropped).toBe(2);
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
    background: true,
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

it('holds Normal Events while asked, sends Warnings at once, and the held ones after, in order', async () => {
  const { events, sent } = recorder({ t: 5 });
  let release = () => {};
  events.holdNormal(new Promise<void>((resolve) => (release = resolve)));
  events.record(regarding, 'Normal', 'Applied', 'Apply', 'applied a');
  events.record(regarding, 'Warning', 'ApplyFailed', 'Apply', 'refused');
  events.record(regarding, 'Normal', 'Applied', 'Apply', 'applied b');
  await flush();
  expect(sent.map((s) => (s.body as { note: string }).note)).toEqual(['refused']);
  release();
  await flush();
  await flush();
  expect(sent.map((s) => (s.body as { note: string }).note)).toEqual(['refused', 'applied a', 'applied b']);
});

it('releases a hold that fails too; Normal Events wait while any hold is in force', async () => {
  const { events, sent } = recorder({ t: 5 });
  let fail = (_: Error) => {};
  let release = () => {};
  events.holdNormal(new Promise<void>((_, reject) => (fail = reject)));
  events.holdNormal(new Promise<void>((resolve) => (release = resolve)));
  events.record(regarding, 'Normal', 'Applied', 'Apply', 'applied a');
  fail(new Error('term ended'));
  await flush();
  await flush();
  expect(sent).toHaveLength(0);
  release();
  await flush();
  await flush();
  expect(sent).toHaveLength(1);
});

it('a Normal Event yields while the operator writes, a Warning does not; the Normal one leaves once the writes pause', async () => {
  const writing = { at: performance.now() };
  // quietMs far above the 10 ms steps below: a slow machine cannot pass or fail this by timing.
  const { events, sent } = recorder({ t: 5 }, writing, { quietMs: 300, maxMs: 60_000 });
  events.record(regarding, 'Normal', 'BaselineCreated', 'Create', 'created');
  for (let i = 0; i < 5; i++) {
    await sleep(10);
    writing.at = performance.now(); // still writing
  }
  expect(sent).toHaveLength(0);
  events.record(regarding, 'Warning', 'ApplyFailed', 'Apply', 'refused');
  await flush();
  expect(notes(sent)).toEqual(['refused']);
  await sleep(700); // the writes have paused for longer than quietMs
  expect(notes(sent)).toEqual(['refused', 'created']);
});

it('a Normal Event yields at most maxMs: an operator that never pauses still reports', async () => {
  const writing = { at: performance.now() };
  const { events, sent } = recorder({ t: 5 }, writing, { quietMs: 60_000, maxMs: 50 });
  events.record(regarding, 'Normal', 'Applied', 'Apply', 'applied');
  await flush();
  expect(sent).toHaveLength(0);
  for (let i = 0; i < 40 && sent.length === 0; i++) {
    writing.at = performance.now();
    await sleep(25);
  }
  expect(notes(sent)).toEqual(['applied']);
});
