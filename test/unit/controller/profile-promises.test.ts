// What a profile's spec promises, validated once per uid and generation and shared by the
// controllers: the profile reconciler records it from its render; the widening controller reads it.
import { pino } from 'pino';
import { promiseOf } from '../../../src/controller/intent-widening.js';
import { ProfilePromises } from '../../../src/controller/profile-promises.js';
import type { ProfileObject } from '../../../src/controller/profile-reconciler.js';
import { FakeCluster } from '../../helpers/fake-cluster.js';
import { fakeClusterReconciler } from '../../helpers/profile-reconciler.js';
import { frontendBackendProfile } from '../../helpers/profiles.js';

const NS = 'shop';

function webProfile(uid: string | undefined, generation: number, mode?: 'Audit'): ProfileObject {
  const profile = frontendBackendProfile('web', NS) as ProfileObject & {
    spec: Record<string, unknown>;
    metadata: Record<string, unknown>;
  };
  Object.assign(profile.metadata, { generation, ...(uid ? { uid } : {}) });
  if (mode) profile.spec.mode = mode;
  return profile;
}

/** The same object with a spec zod refuses: only a fresh validation can tell. */
function broken(profile: ProfileObject): ProfileObject {
  return { ...profile, spec: { ...(profile.spec as object), components: 'not a list' } };
}

it('validates a spec once per uid and generation, and again at a new generation', () => {
  const promises = new ProfilePromises();
  const first = webProfile('u1', 1);
  expect(promises.of(first)).toEqual(promiseOf(first));
  expect(promises.of(first)?.components).toHaveLength(2);
  // Remembered: the same generation is not validated again.
  expect(promises.of(broken(first))).toBeDefined();
  // A new generation is.
  expect(promises.of(broken(webProfile('u1', 2)))).toBeUndefined();
});

it('takes a render that passed validation as the answer, without validating again', () => {
  const promises = new ProfilePromises();
  const enforced = webProfile('u1', 1);
  promises.rendered(enforced, 'Enforce');
  expect(promises.of(broken(enforced))?.components).toBe(
    (enforced.spec as { components: unknown }).components,
  );
  const audited = webProfile('u2', 1, 'Audit');
  promises.rendered(audited, 'Audit');
  expect(promises.of(audited)).toBeUndefined();
});

it('never remembers a profile without a uid, and starts over at its bound', () => {
  const promises = new ProfilePromises(2);
  const anonymous = webProfile(undefined, 1);
  promises.rendered(anonymous, 'Enforce');
  expect(promises.of(broken(anonymous))).toBeUndefined();
  const a = webProfile('a', 1);
  promises.of(a);
  promises.of(webProfile('b', 1));
  promises.of(webProfile('c', 1)); // the third: the memo starts over
  expect(promises.of(broken(a))).toBeUndefined();
});

it('is told of a valid render by the profile reconciler, and not of an invalid one', async () => {
  const recorded: Array<[string, string]> = [];
  const run = async (profile: ProfileObject) => {
    const cluster = new FakeCluster();
    cluster.putNamespace({ metadata: { name: NS } });
    cluster.putProfile(profile);
    cluster.sync();
    const reconciler = fakeClusterReconciler(cluster, {
      promises: { rendered: (p, mode) => void recorded.push([p.metadata.uid as string, mode]) },
    });
    await reconciler.reconcile(`${NS}/web`, {
      log: pino({ level: 'silent' }),
      signal: new AbortController().signal,
    });
  };
  await run(webProfile('valid', 1));
  await run(broken(webProfile('invalid', 1)));
  expect(recorded).toEqual([['valid', 'Enforce']]);
});
