// planPolicies: what a profile's rendered policies need against the cache (pure), as a table.
import { type NetworkPolicy, renderProfile } from '../../../src/compiler/index.js';
import { isNoop, type PlanInput, planPolicies } from '../../../src/controller/policy-plan.js';
import type { LivePolicy } from '../../../src/kube/policy-store.js';
import { frontendBackendProfile } from '../../helpers/profiles.js';

const UID = 'uid-web';
const profile = {
  ...frontendBackendProfile('web', 'shop'),
  metadata: { name: 'web', namespace: 'shop', uid: UID },
};
const desired = renderProfile(profile).policies;
const [backend, frontend] = desired as [NetworkPolicy, NetworkPolicy];

/** As the cache holds it: the rendered object plus what the API server adds. */
const live = (p: NetworkPolicy, edit: (l: LivePolicy) => void = () => {}): LivePolicy => {
  const l: LivePolicy = JSON.parse(JSON.stringify(p));
  l.metadata.uid = `live-${p.metadata.name}`;
  l.metadata.resourceVersion = '7';
  l.metadata.labels = { ...l.metadata.labels, 'added-by': 'someone' }; // extra labels are fine
  edit(l);
  return l;
};
const otherOwner = (l: LivePolicy) => {
  l.metadata.ownerReferences = [
    {
      apiVersion: 'apptrust.dev/v1alpha1',
      kind: 'AppTrustProfile',
      name: 'x',
      uid: 'uid-x',
      controller: true,
    },
  ];
};
const noOwner = (l: LivePolicy) => {
  delete l.metadata.ownerReferences;
};
const drifted = (l: LivePolicy) => {
  l.spec = { podSelector: {} };
};
const lostLabel = (l: LivePolicy) => {
  delete l.metadata.labels?.['apptrust.dev/component'];
};
const v1 = live(frontend, (l) => {
  l.metadata.name = 'web-frontend';
});

/** The plan as names, for a table. */
function plan(input: Partial<PlanInput> & { cached?: LivePolicy[] }) {
  const cached = new Map((input.cached ?? []).map((p) => [p.metadata.name, p]));
  const result = planPolicies({
    ownerUid: UID,
    desired,
    owned: (input.cached ?? []).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === UID)),
    live: (name) => cached.get(name),
    pending: () => false,
    ...input,
  });
  const names = (ps: ReadonlyArray<{ metadata: { name: string } }>) => ps.map((p) => p.metadata.name);
  return {
    create: names(result.create),
    update: names(result.update.map((u) => u.desired)),
    conflicts: names(result.conflicts.map((c) => c.desired)),
    prune: names(result.prune),
    unchanged: names(result.unchanged),
    noop: isNoop(result),
  };
}

const none = { create: [], update: [], conflicts: [], prune: [], unchanged: [], noop: false };

it.each<[string, Parameters<typeof plan>[0], Partial<ReturnType<typeof plan>>]>([
  ['nothing cached: create both', {}, { create: ['web.backend', 'web.frontend'] }],
  [
    'both up to date: a no-op',
    { cached: [live(backend), live(frontend)] },
    { unchanged: ['web.backend', 'web.frontend'], noop: true },
  ],
  [
    'a drifted spec: update it',
    { cached: [live(backend), live(frontend, drifted)] },
    { update: ['web.frontend'], unchanged: ['web.backend'] },
  ],
  [
    'a label of ours removed: update it',
    { cached: [live(backend), live(frontend, lostLabel)] },
    { update: ['web.frontend'], unchanged: ['web.backend'] },
  ],
  [
    'held by another profile: a conflict',
    { cached: [live(backend), live(frontend, otherOwner)] },
    { conflicts: ['web.frontend'], unchanged: ['web.backend'] },
  ],
  [
    'our labels but no owner: a conflict',
    { cached: [live(backend), live(frontend, noOwner)] },
    { conflicts: ['web.frontend'], unchanged: ['web.backend'] },
  ],
  [
    'a profile without uid controls nothing',
    { ownerUid: undefined, cached: [live(backend)] },
    { conflicts: ['web.backend'], create: ['web.frontend'] },
  ],
  [
    'owned and no longer rendered (v1 name): prune',
    { cached: [live(backend), live(frontend), v1] },
    { prune: ['web-frontend'], unchanged: ['web.backend', 'web.frontend'] },
  ],
  [
    'a pending write of exactly this: unchanged, no create',
    { pending: (d) => d.metadata.name === 'web.frontend' },
    { create: ['web.backend'], unchanged: ['web.frontend'] },
  ],
  [
    'a pending write wins over a stale cached copy',
    { cached: [live(frontend, drifted)], pending: () => true },
    { unchanged: ['web.backend', 'web.frontend'], noop: true },
  ],
])('%s', (_case, input, want) => {
  expect(plan(input)).toEqual({ ...none, ...want });
});

it('prunes only what the owner index returned, never a cached policy of another owner', () => {
  const theirs = live(frontend, (l) => {
    otherOwner(l);
    l.metadata.name = 'web.old';
  });
  expect(plan({ cached: [live(backend), live(frontend), theirs] }).prune).toEqual([]);
});
