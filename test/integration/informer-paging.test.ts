// The informer never holds a whole collection: it lists as a stream (the watch's initial events) or,
// where that is refused, in pages (limit/continue), each filed before the next is asked for. Its
// watch runs over the project's own kubeconfig loader (no client-node), reading the kubeconfig
// file a user would pass as KUBECONFIG. Against the real API server.
import { pino } from 'pino';
import { Informer } from '../../src/kube/informer.js';
import { loadKubeAccess } from '../../src/kube/kube-access.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { createNamespace, deleteNamespace, eventually, testRest } from '../helpers/cluster.js';

const COUNT = 12;
let admin: KubeRest;
let ns: string;

const configMaps = (namespace: string) => `/api/v1/namespaces/${namespace}/configmaps`;

beforeAll(async () => {
  admin = testRest();
  ns = await createNamespace(admin, 'paging');
  for (let i = 0; i < COUNT; i++)
    await admin.request({
      method: 'POST',
      path: configMaps(ns),
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, labels: { paging: 'yes' } } },
    });
});
afterAll(async () => {
  await deleteNamespace(admin, ns);
  admin.close();
});

async function informerWith(options: { streamingList: boolean }) {
  const access = await loadKubeAccess({ KUBECONFIG: process.env.APPTRUST_TEST_KUBECONFIG });
  expect(access.constructor.name).toBe('StaticKubeAccess'); // client certs: no client-node needed
  const rest = new KubeRest(access);
  const pages: number[] = [];
  const original = rest.get.bind(rest);
  rest.get = ((path: string, query?: Record<string, unknown>) => {
    if (path === configMaps(ns)) pages.push(Number(query?.limit));
    return original(path, query as never);
  }) as typeof rest.get;
  const informer = new Informer<KubeObject>(
    rest,
    access,
    { path: configMaps(ns), labelSelector: 'paging=yes', pageSize: 5, ...options },
    pino({ level: 'silent' }),
  );
  const added: string[] = [];
  informer.on((event, object) => {
    if (event === 'add') added.push(object.metadata.name as string);
  });
  return { informer, rest, pages, added };
}

/** A ConfigMap the informer's label selector takes in. */
const createPagingConfigMap = (name: string) =>
  admin.request({
    method: 'POST',
    path: configMaps(ns),
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { paging: 'yes' } } },
  });

const names = Array.from({ length: COUNT }, (_, i) => `cm-${i}`).sort();

/** Starts the informer and checks its first sync filed, and announced, every object. */
async function syncAll(informer: Informer<KubeObject>, added: string[]): Promise<void> {
  informer.start();
  await informer.waitForSync();
  expect(informer.size).toBe(COUNT);
  expect([...added].sort()).toEqual(names);
}

it('a streaming list: every object from the watch, no LIST request, then the watch goes on', async () => {
  const { informer, rest, pages, added } = await informerWith({ streamingList: true });
  try {
    await syncAll(informer, added);
    expect(pages).toEqual([]);
    await createPagingConfigMap('streamed');
    await eventually('the watch to deliver "streamed"', async () => informer.get(`${ns}/streamed`));
    await admin.delete(`${configMaps(ns)}/streamed`);
    await eventually('the watch to deliver the deletion', async () =>
      informer.get(`${ns}/streamed`) ? undefined : true,
    );
  } finally {
    informer.stop();
    rest.close();
  }
});

it('lists in pages of pageSize where streaming is off, files every object, then follows the watch', async () => {
  const { informer, rest, pages, added } = await informerWith({ streamingList: false });
  try {
    await syncAll(informer, added);
    expect(pages).toEqual([5, 5, 5]); // 12 objects: 5 + 5 + 2, three requests

    await createPagingConfigMap('late');
    await eventually('the watch to deliver late', async () => informer.get(`${ns}/late`));
    expect(pages).toHaveLength(3); // the watch, not another list
  } finally {
    informer.stop();
    rest.close();
  }
});
