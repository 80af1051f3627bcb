// Baseline scope: which namespaces get the deny-all baseline (and are gated at admission).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BASELINE_POLICY_NAME } from '../../../src/compiler/index.js';
import { parseOptions } from '../../../src/config.js';
import { isOurBaseline, recordSpec } from '../../../src/controller/baseline-reconciler.js';
import {
  allExcluded,
  type BaselineScopeSettings,
  baselineScope,
  PROTECTED_LABEL,
} from '../../../src/controller/baseline-scope.js';

const SINCE = '2026-11-25T12:00:00Z';
const settings: BaselineScopeSettings = {
  excluded: allExcluded('apptrust-system', ['legacy']),
  watched: [],
  existing: false,
};
const ns = (name: string, created: string, labels?: Record<string, string>) => ({
  metadata: { name, creationTimestamp: created, ...(labels ? { labels } : {}) },
});
const OLD = '2026-11-25T11:59:59Z';
const NEW = '2026-11-25T12:00:01Z';

describe('baselineScope', () => {
  it.each([
    ['created after the record', ns('a', NEW), settings, true, 'new'],
    ['created in the same second as the record', ns('a', SINCE), settings, true, 'new'],
    ['created before the record', ns('a', OLD), settings, false, 'existing'],
    ['old, opted in', ns('a', OLD, { 'apptrust.dev/baseline': 'enabled' }), settings, true, 'opted-in'],
    ['old, with --baseline-existing', ns('a', OLD), { ...settings, existing: true }, true, 'all-existing'],
    [
      'old, already marked protected',
      ns('a', OLD, { [PROTECTED_LABEL]: 'true' }),
      settings,
      true,
      'already-protected',
    ],
    ['new, opted out', ns('a', NEW, { 'apptrust.dev/baseline': 'disabled' }), settings, false, 'opted-out'],
    [
      'opted out beats --baseline-existing',
      ns('a', OLD, { 'apptrust.dev/baseline': 'disabled' }),
      { ...settings, existing: true },
      false,
      'opted-out',
    ],
    ['kube-system', ns('kube-system', NEW), settings, false, 'excluded'],
    ['the operator namespace', ns('apptrust-system', NEW), settings, false, 'excluded'],
    [
      '--baseline-exclude',
      ns('legacy', NEW, { 'apptrust.dev/baseline': 'enabled' }),
      settings,
      false,
      'excluded',
    ],
    ['not watched', ns('a', NEW), { ...settings, watched: ['b'] }, false, 'not-watched'],
    ['watched', ns('b', NEW), { ...settings, watched: ['b'] }, true, 'new'],
  ])('%s', (_what, namespace, scopeSettings, inScope, reason) => {
    expect(baselineScope({ namespace, enabledSince: SINCE, hasOurBaseline: false }, scopeSettings)).toEqual({
      inScope,
      reason,
    });
  });

  it('keeps an old namespace that holds our baseline in scope (an upgrade never drops protection)', () => {
    expect(
      baselineScope({ namespace: ns('a', OLD), enabledSince: SINCE, hasOurBaseline: true }, settings),
    ).toEqual({
      inScope: true,
      reason: 'already-protected',
    });
  });

  it('reports an unknown label value and treats it as absent', () => {
    const typo = ns('a', NEW, { 'apptrust.dev/baseline': 'disable' });
    expect(baselineScope({ namespace: typo, enabledSince: SINCE, hasOurBaseline: false }, settings)).toEqual({
      inScope: true,
      reason: 'new',
      unknownValue: 'disable',
    });
    const oldTypo = ns('a', OLD, { 'apptrust.dev/baseline': 'on' });
    expect(
      baselineScope({ namespace: oldTypo, enabledSince: SINCE, hasOurBaseline: false }, settings),
    ).toMatchObject({
      inScope: false,
      unknownValue: 'on',
    });
  });

  it('counts a namespace without a creationTimestamp as existing', () => {
    expect(
      baselineScope(
        { namespace: { metadata: { name: 'a' } }, enabledSince: SINCE, hasOurBaseline: false },
        settings,
      ),
    ).toEqual({ inScope: false, reason: 'existing' });
  });
});

describe('isOurBaseline', () => {
  const labels = {
    'app.kubernetes.io/managed-by': 'apptrust-operator',
    'apptrust.dev/policy-kind': 'baseline',
  };
  it('needs the name, both labels and no controller', () => {
    expect(isOurBaseline({ metadata: { name: BASELINE_POLICY_NAME, labels } })).toBe(true);
    expect(isOurBaseline({ metadata: { name: 'other', labels } })).toBe(false);
    expect(
      isOurBaseline({
        metadata: {
          name: BASELINE_POLICY_NAME,
          labels: { 'app.kubernetes.io/managed-by': 'apptrust-operator' },
        },
      }),
    ).toBe(false);
    // A profile's policy of that name (its owner is the controller) is never claimed.
    expect(
      isOurBaseline({
        metadata: {
          name: BASELINE_POLICY_NAME,
          labels,
          ownerReferences: [
            {
              apiVersion: 'apptrust.dev/v1alpha1',
              kind: 'AppTrustProfile',
              name: 'p',
              uid: 'u',
              controller: true,
            },
          ],
        },
      }),
    ).toBe(false);
  });
});

describe('the record spec the admission gate reads', () => {
  it('has exactly the fields of the BaselineRecord CRD, with its types', () => {
    const crd = parse(
      readFileSync(
        join(import.meta.dirname, '..', '..', '..', 'crds', 'apptrust.dev_baselinerecords.yaml'),
        'utf8',
      ),
    );
    const schema = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    const spec = recordSpec({ excluded: new Set(['a']), watched: ['b'], existing: true });
    expect(Object.keys(spec).sort()).toEqual([...schema.required].sort());
    for (const [key, value] of Object.entries(spec))
      expect([key, schema.properties[key].type]).toEqual([
        key,
        Array.isArray(value) ? 'array' : typeof value,
      ]);
  });

  it('is sorted and complete', () => {
    expect(recordSpec({ excluded: new Set(['b', 'a']), watched: ['y', 'x'], existing: true })).toEqual({
      excluded: ['a', 'b'],
      existing: true,
      watched: ['x', 'y'],
    });
    expect(recordSpec({ excluded: new Set(['a']), watched: [], existing: false }).watched).toEqual([]);
  });
});

describe('--baseline-existing', () => {
  it('is off by default and read from a flag or the environment', () => {
    expect(parseOptions([], {}).baselineExisting).toBe(false);
    expect(parseOptions(['--baseline-existing'], {}).baselineExisting).toBe(true);
    expect(parseOptions([], { APPTRUST_BASELINE_EXISTING: 'true' }).baselineExisting).toBe(true);
  });
});
