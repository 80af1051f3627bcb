// The informers' shared strings: equal values, one copy, a bounded table.
import { internedCount, internString, internStrings, MAX_INTERNED } from '../../../src/kube/intern.js';

/** A string equal to `s` but built at run time: a distinct heap copy, as JSON.parse makes. */
const copyOf = (s: string) => JSON.parse(JSON.stringify(s)) as string;

it('leaves every value equal, and keeps object shape, arrays and non-strings as they were', () => {
  const wire = JSON.stringify({
    apiVersion: 'networking.k8s.io/v1',
    metadata: {
      name: 'p1.api',
      uid: 'a-uid',
      labels: { 'app.kubernetes.io/managed-by': 'apptrust-operator' },
    },
    spec: { policyTypes: ['Ingress', 'Egress'], ingress: [{ ports: [{ port: 8080, protocol: 'TCP' }] }] },
    x: null,
    long: 'y'.repeat(200),
  });
  const object = JSON.parse(wire);
  expect(internStrings(object)).toBe(object);
  expect(JSON.stringify(object)).toBe(wire);
});

// String identity is not observable in JavaScript: the table's size is what a test can see.
it('files each value once, and never the fields unique to one object', () => {
  internStrings(JSON.parse('{"kind":"NetworkPolicy","metadata":{"uid":"u-1","namespace":"tenant-a"}}'));
  const before = internedCount();
  internStrings(JSON.parse('{"kind":"NetworkPolicy","metadata":{"uid":"u-2","namespace":"tenant-a"}}'));
  expect(internedCount()).toBe(before); // equal values found, the new uid not filed
  internString(copyOf('tenant-b'));
  expect(internedCount()).toBe(before + 1);
  internString(copyOf('tenant-b'));
  expect(internedCount()).toBe(before + 1);
});

it('starts afresh when the table is full, so unique strings cannot grow it without bound', () => {
  for (let i = 0; i < MAX_INTERNED + 10; i++) internString(`value-${i}`);
  expect(internedCount()).toBeLessThanOrEqual(MAX_INTERNED);
  expect(internedCount()).toBeGreaterThan(0);
});
