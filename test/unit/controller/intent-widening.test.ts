// The operator's view of one namespace (pure): which profiles report a widening, which do not
// promise anything yet, what an untouched or tampered baseline counts for, and when it is undercut.
import { baselinePolicyFor, renderProfile } from '../../../src/compiler/index.js';
import {
  intentCondition,
  type NamespaceSnapshot,
  namespaceIntents,
  undercutNote,
} from '../../../src/controller/intent-widening.js';
import type { LivePolicy } from '../../../src/kube/policy-store.js';
import { frontendBackendProfile } from '../../helpers/profiles.js';

const NS = 'shop';
const withUid = (p: ReturnType<typeof frontendBackendProfile>, uid: string) => ({
  ...p,
  metadata: { ...p.metadata, uid, generation: 3 },
});
const SHOP = withUid(frontendBackendProfile('shop', NS), 'uid-shop');
const owned = (profile: typeof SHOP) =>
  renderProfile(profile, { defaultNamespace: NS }).policies as unknown as LivePolicy[];
const baseline = baselinePolicyFor(NS, { allowDNS: true });
const foreign = (name: string, spec: object): LivePolicy => ({ metadata: { name, namespace: NS }, spec });
const ALLOW_ALL = foreign('allow-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] });

function snapshot(policies: LivePolicy[], extra: Partial<NamespaceSnapshot> = {}): NamespaceSnapshot {
  return {
    namespace: NS,
    world: { namespaces: [{ name: NS }], pods: [] },
    policies,
    profiles: [SHOP],
    expectedBaseline: baseline,
    protected: true,
    ...extra,
  };
}

describe('namespace intents', () => {
  it('own policies and the untouched baseline (with its DNS rule): honoured, not undercut', () => {
    const result = namespaceIntents(snapshot([...owned(SHOP), baseline as unknown as LivePolicy]));
    expect(result.profiles[0]?.widening?.flows).toEqual([]);
    expect(result.undercut?.flows).toEqual([]);
    expect(intentCondition(result.profiles[0]?.widening as never)).toMatchObject({
      type: 'IntentHonored',
      status: 'True',
      reason: 'Honored',
    });
  });

  it('a tampered baseline counts as any other policy', () => {
    const tampered = { ...(baseline as unknown as LivePolicy), spec: { podSelector: {}, ingress: [{}] } };
    const result = namespaceIntents(snapshot([...owned(SHOP), tampered]));
    expect(result.profiles[0]?.widening?.policies).toEqual([`${NS}/apptrust-default-deny`]);
  });

  it('a foreign allow-all: Widened naming it and at most five flows; the baseline is undercut', () => {
    const result = namespaceIntents(snapshot([...owned(SHOP), baseline as unknown as LivePolicy, ALLOW_ALL]));
    const widening = result.profiles[0]?.widening;
    expect(widening?.policies).toEqual([`${NS}/allow-all`]);
    const condition = intentCondition(widening as never);
    expect(condition).toMatchObject({ status: 'False', reason: 'Widened' });
    expect(condition.message).toMatch(/^widened by shop\/allow-all \(NetworkPolicies add up\): ingress to /);
    expect(condition.message.match(/\(by /g)?.length).toBeLessThanOrEqual(5);
    expect(result.undercut?.policies).toEqual([`${NS}/allow-all`]);
    expect(undercutNote(result.undercut as never)).toContain(
      'deny-all apptrust-default-deny undercut by shop/allow-all',
    );
  });

  it("a profile's own policies never undercut the baseline; a namespace not protected is not judged", () => {
    const twin = withUid(frontendBackendProfile('twin', NS), 'uid-twin');
    const policies = [...owned(SHOP), ...owned(twin), baseline as unknown as LivePolicy];
    expect(namespaceIntents(snapshot(policies, { profiles: [SHOP, twin] })).undercut?.flows).toEqual([]);
    expect(namespaceIntents(snapshot([ALLOW_ALL], { protected: false })).undercut).toBeUndefined();
  });

  it('Audit and invalid profiles promise nothing yet: no widening computed', () => {
    const audit = withUid(frontendBackendProfile('audit', NS), 'uid-audit');
    audit.spec.mode = 'Audit';
    const invalid = withUid(frontendBackendProfile('bad', NS), 'uid-bad');
    invalid.spec.allow = [{ from: { component: 'nope' }, to: { component: 'backend' } }];
    const result = namespaceIntents(snapshot([ALLOW_ALL], { profiles: [audit, invalid] }));
    expect(result.profiles.map((p) => p.widening)).toEqual([undefined, undefined]);
  });
});
