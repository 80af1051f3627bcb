// Canonical form: the byte-stable text every rendered object and status write goes through.
import { canonicalJson, sortedUnique, sortKeys } from '../../../src/compiler/canonical.js';

it('sorts keys at every depth, arrays kept in order, undefined values dropped', () => {
  const value = { b: 1, a: { d: [{ z: 1, y: 2 }, 3], c: undefined }, A: null };
  expect(JSON.stringify(sortKeys(value))).toBe('{"A":null,"a":{"d":[{"y":2,"z":1},3]},"b":1}');
  expect(value).toEqual({ b: 1, a: { d: [{ z: 1, y: 2 }, 3], c: undefined }, A: null }); // not mutated
});

it('keeps a "__proto__" key as data, never as the prototype', () => {
  const value = JSON.parse('{"b":1,"__proto__":{"polluted":true}}');
  const sorted = sortKeys(value);
  expect(Object.getPrototypeOf(sorted)).toBe(Object.prototype);
  expect(canonicalJson(value)).toBe('{"__proto__":{"polluted":true},"b":1}');
});

it('dedupes and orders by canonical form', () => {
  expect(sortedUnique([{ b: 2, a: 1 }, { a: 1, b: 2 }, { a: 0 }])).toEqual([{ a: 0 }, { a: 1, b: 2 }]);
});
