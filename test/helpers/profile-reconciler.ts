// A ProfileReconciler over a FakeCluster with the defaults unit tests share: fresh write memos,
// the default compiler settings, a fixed clock and a 1 s conflict retry; `extra` adds or replaces deps.
import { DEFAULT_SETTINGS } from '../../src/compiler/index.js';
import { ProfileReconciler, type ProfileReconcilerDeps } from '../../src/controller/profile-reconciler.js';
import { WriteMemo } from '../../src/controller/write-memo.js';
import type { FakeCluster } from './fake-cluster.js';

export function fakeClusterReconciler(
  cluster: FakeCluster,
  extra: Partial<ProfileReconcilerDeps> = {},
): ProfileReconciler {
  return new ProfileReconciler({
    ...cluster.reconcilerClients,
    policyWrites: new WriteMemo(),
    statusWrites: new WriteMemo(),
    settings: DEFAULT_SETTINGS,
    now: () => '2026-12-03T10:00:00Z',
    conflictRetryMs: 1000,
    ...extra,
  });
}
