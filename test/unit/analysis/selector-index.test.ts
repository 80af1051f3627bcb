// SelectorIndex: the same answer as testing every selector, in the items' order.
import { SelectorIndex, selectorMatches } from '../../../src/analysis/selectors.js';
import type { LabelSelector } from '../../../src/api/v1alpha1/index.js';

const selectors: Array<{ name: string; selector: LabelSelector | undefined }> = [
  { name: 'all', selector: {} },
  { name: 'absent', selector: undefined },
  { name: 'web', selector: { matchLabels: { app: 'web' } } },
  { name: 'web-prod', selector: { matchLabels: { app: 'web', env: 'prod' } } },
  { name: 'prod-only', selector: { matchLabels: { env: 'prod' } } },
  { name: 'not-db', selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] } },
  {
    name: 'web-not-canary',
    selector: {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'track', operator: 'DoesNotExist' }],
    },
  },
];

it.each([
  [{ app: 'web' }],
  [{ app: 'web', env: 'prod' }],
  [{ app: 'web', env: 'prod', track: 'canary' }],
  [{ app: 'db', env: 'prod' }],
  [{}],
])('labels %j: exactly the selectors that match, in order', (labels) => {
  const index = new SelectorIndex(selectors, (s) => s.selector);
  const brute = selectors.filter((s) => selectorMatches(s.selector, labels)).map((s) => s.name);
  expect(index.matching(labels).map((s) => s.name)).toEqual(brute);
});

it('web, prod: the pairs filed under either label are both found', () => {
  const index = new SelectorIndex(selectors, (s) => s.selector);
  expect(index.matching({ app: 'web', env: 'prod' }).map((s) => s.name)).toEqual([
    'all',
    'absent',
    'web',
    'web-prod',
    'prod-only',
    'not-db',
    'web-not-canary',
  ]);
});
