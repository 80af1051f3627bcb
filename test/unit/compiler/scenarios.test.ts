import { renderProfile } from '../../../src/compiler/index.js';
import { isAllowed } from '../../helpers/evaluator.js';
import { loadSample } from '../../helpers/samples.js';
import { SCENARIOS } from '../../helpers/scenarios.js';

describe.each(SCENARIOS)('classic scenario $example', (scenario) => {
  const result = renderProfile(loadSample(scenario.example));

  it('renders without problems', () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.policies.length).toBeGreaterThan(0);
  });

  it('allows exactly the expected flows', () => {
    const world = { namespaces: scenario.namespaces, pods: [], policies: result.policies };
    const seen = scenario.probes.map((p) => {
      const from = scenario.endpoints[p.from];
      const to = scenario.endpoints[p.to];
      if (!from || !to) throw new Error(`probe names unknown endpoint ${p.from} or ${p.to}`);
      return `${p.from} -> ${p.to}:${p.port}/${p.protocol ?? 'TCP'} ${isAllowed(world, from, to, p.port, p.protocol) ? 'allowed' : 'denied'}`;
    });
    const expected = scenario.probes.map(
      (p) => `${p.from} -> ${p.to}:${p.port}/${p.protocol ?? 'TCP'} ${p.allowed ? 'allowed' : 'denied'}`,
    );
    expect(seen).toEqual(expected);
  });
});
