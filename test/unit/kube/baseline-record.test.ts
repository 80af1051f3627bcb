// BaselineRecord.ensure: two controllers ensure the record at start; the loser of a concurrent
// update (409) reads again and succeeds instead of failing its reconcile.
import { BaselineRecord, type BaselineRecordSpec } from '../../../src/kube/baseline-record.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import type { KubeRest } from '../../../src/kube/rest.js';

const SCOPE: BaselineRecordSpec = { excluded: ['kube-system'], existing: false, watched: [] };

function fakeRest(conflicts: number) {
  let stored = {
    metadata: { name: 'apptrust-baseline', resourceVersion: '1', creationTimestamp: '2026-12-03T00:00:00Z' },
    spec: { excluded: [], existing: false, watched: [] } as Record<string, unknown>,
  };
  const calls: string[] = [];
  const rest = {
    get: async () => {
      calls.push('GET');
      return structuredClone(stored);
    },
    request: async ({ method, body }: { method: string; body: typeof stored }) => {
      calls.push(method);
      if (method === 'PUT' && conflicts-- > 0)
        throw new KubeApiError(409, 'the object has been modified', 'Conflict');
      stored = { ...body, metadata: { ...body.metadata, resourceVersion: '2' } };
      return structuredClone(stored);
    },
  };
  return { rest: rest as unknown as KubeRest, calls };
}

it('a Conflict on the update is read again and retried', async () => {
  const { rest, calls } = fakeRest(1);
  const since = await new BaselineRecord(rest, 'apptrust-system').ensure(SCOPE);
  expect(since).toBe('2026-12-03T00:00:00Z');
  expect(calls).toEqual(['GET', 'PUT', 'GET', 'PUT']);
});

it('gives up after three Conflicts (the caller backs off)', async () => {
  const { rest, calls } = fakeRest(5);
  await expect(new BaselineRecord(rest, 'apptrust-system').ensure(SCOPE)).rejects.toThrow('modified');
  expect(calls.filter((c) => c === 'PUT')).toHaveLength(3);
});
