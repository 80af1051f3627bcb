// The layers import one way (api → compiler → kube → controller → main): no file of src/ reaches
// itself through its imports, type-only imports included.
import { importCycles, importGraph } from '../../helpers/import-graph.js';

describe('imports in src/', () => {
  const graph = importGraph('src');

  it('form no cycle', () => {
    expect(importCycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('are all found by the walk (a cycle checker that sees no import would pass anything)', () => {
    expect(graph.get('config.ts')).toContain('bind-address.ts');
    expect(graph.get('controller/operator.ts')).toEqual(
      expect.arrayContaining(['controller/profile-controller.ts', 'controller/controller.ts']),
    );
  });

  it('finds a cycle when there is one', () => {
    const cyclic = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(importCycles(cyclic)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });
});
