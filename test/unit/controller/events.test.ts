// Events: the same (object, reason, note) is sent once per window; paced; Normal ones can be held.
import { pino } from 'pino';
import { EVENT_BURST, EventRecorder, MAX_PENDING_EVENTS } from '../../../src/kube/events.js';
import type { KubeRest, RequestSpec } from '../../../src/kube/rest.js';

function recorder(now: { t: number }) {
  const sent: RequestSpec[] = [];
  const rest = { request: async (spec: RequestSpec) => void sent.push(spec) } as unknown as KubeRest;
  const events = new EventRecorder(rest, 'test-instance', pino({ level: 'silent' }), 60_000, () => now.t);
  return { events, sent };
}

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
