// Every scenario of test/helpers/scenarios.ts on packets: the sample profile applied through the
// real operator, Ready, then every probe the dataplane can make on fresh real connections (IPv4, and
// IPv6 between pods), after a control that shows every probe connecting with no policy at all.
import type { Operator } from '../../src/controller/operator.js';
import { loadSample } from '../helpers/samples.js';
import { SCENARIOS } from '../helpers/scenarios.js';
import { DATAPLANE_PROVIDER, trafficPlan } from '../helpers/traffic-plan.js';
import type { Dataplane, Host } from './dataplane.js';
import { hostHasIpv6 } from './host.js';
import { recordLatency } from './latency.js';
import { type Check, lines, timeUntil, untilObserved } from './observe.js';
import { applyProfile, waitReady } from './profiles.js';
import { attachDataplane, describeDataplane, OPTED_OUT, startOperator, tearDownDataplane } from './suite.js';
import { judgeAndRecord } from './verdicts.js';
import { startPlan } from './world.js';

if (!hostHasIpv6()) console.warn('the scenarios are probed over IPv4 only: this kernel has no IPv6');
let dataplane: Dataplane;
let operator: Operator | undefined;
const plans = SCENARIOS.map((scenario) => ({ scenario, plan: trafficPlan(scenario, DATAPLANE_PROVIDER) }));
const hosts: Record<string, Record<string, Host>> = {};

const isPodHost = (h: Host) => h.kind === 'pod';
/** Pod-to-pod checks also run over IPv6 (the scenarios' address blocks are IPv4). */
const ipv6Checks = (example: string, checks: Check[]) =>
  checks.filter(
    (c) => isPodHost(hosts[example]?.[c.from] as Host) && isPodHost(hosts[example]?.[c.to] as Host),
  );

describeDataplane('dataplane: the scenarios on packets through the real operator', () => {
  beforeAll(async () => {
    dataplane = attachDataplane();
    // The probes judge each profile alone, as the scenarios are written: no baseline in their namespaces.
    for (const { scenario, plan } of plans)
      hosts[scenario.example] = await startPlan(dataplane, plan, OPTED_OUT);
    operator = await startOperator();
  });
  afterAll(() => tearDownDataplane(dataplane, operator));

  it('the enforcer runs with a table that queues new connections of the pods to judge', async () => {
    const table = await dataplane.enforcerTable();
    expect(table).toMatch(/queue|NFQUEUE/);
    expect(table).toContain('podips-v4');
  });

  it('control: with no policy, every probe of every scenario connects', async () => {
    const left = plans.flatMap(({ scenario, plan }) =>
      plan.leftOut.map(
        (l) => `${scenario.example}: ${l.probe.from} -> ${l.probe.to}:${l.probe.port}: ${l.reason}`,
      ),
    );
    if (left.length > 0)
      console.log(`probes the dataplane cannot make (${left.length}):\n  ${left.join('\n  ')}`);
    for (const { scenario, plan } of plans) {
      const open = plan.probes.map((p) => ({ ...p, allowed: true }));
      const h = hosts[scenario.example] as Record<string, Host>;
      const observed = await untilObserved(dataplane, h, open);
      expect(lines(observed, 'connected')).toEqual(lines(open, 'allowed'));
      if (dataplane.ipv6) {
        const v6 = await untilObserved(dataplane, h, ipv6Checks(scenario.example, open), 6);
        expect(lines(v6, 'connected')).toEqual(lines(v6, 'allowed'));
        expect(await judgeAndRecord(dataplane, `control ${scenario.example} (IPv6)`, v6)).toEqual([]);
      }
      expect(await judgeAndRecord(dataplane, `control ${scenario.example}`, observed)).toEqual([]);
    }
  });

  describe.each(plans)('sample $scenario.example', ({ scenario, plan }) => {
    it('allows exactly the declared flows on packets, as the evaluator reads the live policies', async () => {
      const h = hosts[scenario.example] as Record<string, Host>;
      const sample = loadSample(scenario.example) as { metadata: { name: string; namespace: string } };
      // Write -> enforcement: a flow the control saw connect, which the profile blocks.
      const flip = plan.probes.find((p) => !p.allowed) as Check;
      const from = h[flip.from] as Host;
      const to = h[flip.to] as Host;
      const written = await applyProfile(dataplane, sample);
      const blocked = await timeUntil(
        dataplane,
        from,
        to.ipv4,
        flip.port,
        flip.protocol ?? 'TCP',
        false,
        written,
      );
      recordLatency(
        `profile ${scenario.example} applied: ${flip.from} -> ${flip.to} blocked`,
        'block',
        blocked,
      );
      await waitReady(dataplane, sample.metadata.namespace, sample.metadata.name);

      const observed = await untilObserved(dataplane, h, plan.probes);
      expect(lines(observed, 'connected')).toEqual(lines(plan.probes, 'allowed'));
      expect(await judgeAndRecord(dataplane, `sample ${scenario.example}`, observed)).toEqual([]);
      if (dataplane.ipv6) {
        const v6checks = ipv6Checks(scenario.example, plan.probes);
        const v6 = await untilObserved(dataplane, h, v6checks, 6);
        expect(lines(v6, 'connected')).toEqual(lines(v6, 'allowed'));
        expect(v6).toHaveLength(v6checks.length);
        expect(await judgeAndRecord(dataplane, `sample ${scenario.example} (IPv6)`, v6)).toEqual([]);
      }
    });
  });
});
