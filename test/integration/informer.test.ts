// The informer against a real API server: it never stops for good. Listing a resource type that
// does not exist yet fails (404); it keeps retrying with backoff and syncs once the type appears,
// then follows watch events.
import { pino } from 'pino';
import { Informer, type InformerEvent } from '../../src/kube/informer.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { crd } from '../../src/kube/paths.js';
import type { KubeRest } from '../../src/kube/rest.js';
import { eventually, testKubeConfig, testRest } from '../helpers/cluster.js';

const GROUP = 'informer-test.apptrust.dev';
const CRD_NAME = `widgets.${GROUP}`;
let rest: KubeRest;
let informer: Informer<KubeObject> | undefined;

beforeAll(() => {
  rest = testRest();
});
afterAll(async () => {
  informer?.stop();
  await rest.delete(crd(CRD_NAME)).catch(() => undefined);
});

it('resumes a watch that went quiet from its last version: no LIST, no warning (faults issue, defect 5)', async () => {
  const lists: string[] = [];
  const quietRest = testRest();
  quietRest.onRequest((method, path) => {
    if (method === 'GET' && path === '/api/v1/namespaces') lists.push(path);
  });
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  // The watch ends after this much silence with a TimeoutError (client-node's default was 30 s).
  const quiet = new Informer<KubeObject>(
    quietRest,
    testKubeConfig(),
    { path: '/api/v1/namespaces', labelSelector: 'apptrust-test/none=quiet', watchInactivityMs: 500 },
    log,
  );
  let relists = 0;
  quiet.onRelist(() => relists++);
  try {
    quiet.start();
    await quiet.waitForSync();
    await new Promise((r) => setTimeout(r, 3_000)); // ~6 inactivity timeouts on a selector nothing matches
    expect(lists).toHaveLength(0); // the first list came as the watch's initial events
    expect(relists).toBe(0); // and none since: each quiet end resumed the watch
    expect(warnings).toEqual([]);
  } finally {
    quiet.stop();
    quietRest.close();
  }
});

it('recovers from list errors and then follows the watch', async () => {
  const path = `/apis/${GROUP}/v1/widgets`;
  informer = new Informer<KubeObject>(rest, testKubeConfig(), { path }, pino({ level: 'silent' }));
  const events: string[] = [];
  informer.on((event: InformerEvent, object) => events.push(`${event} ${object.metadata.name}`));
  informer.start();
  await new Promise((r) => setTimeout(r, 500));
  expect(informer.hasSynced()).toBe(false); // 404s so far, retrying

  await rest.apply(
    crd(CRD_NAME),
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: CRD_NAME },
      spec: {
        group: GROUP,
        names: { kind: 'Widget', plural: 'widgets' },
        scope: 'Cluster',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    },
    'informer-test',
  );
  await eventually(
    'informer to sync once the type exists',
    async () => (informer?.hasSynced() ? true : undefined),
    30_000,
    100,
  );

  await rest.request({
    method: 'POST',
    path,
    body: { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1' } },
  });
  await eventually('add event', async () => (informer?.get('w1') ? true : undefined));
  await rest.delete(`${path}/w1`);
  await eventually('delete event', async () => (informer?.get('w1') === undefined ? true : undefined));
  expect(events).toEqual(['add w1', 'delete w1']);
});
