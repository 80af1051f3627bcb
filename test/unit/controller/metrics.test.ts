// The metrics an alert can use: reconcile results told apart, profiles by Ready reason (bounded
// labels), build info, prom-client's process/Node.js defaults; the HTTP endpoints' bind addresses.
import { createServer } from 'node:net';
import { parseAddress, serve } from '../../../src/controller/http.js';
import { OperatorMetrics } from '../../../src/controller/metrics.js';

const sample = async (m: OperatorMetrics, name: string, labels: Record<string, string>) => {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
};

describe('OperatorMetrics', () => {
  it('counts reconcile results apart: success, invalid, conflict, requeue, error', async () => {
    const m = new OperatorMetrics('1.2.3');
    m.addController('apptrustprofile');
    m.reconciled('apptrustprofile', 'invalid');
    m.reconciled('apptrustprofile', 'invalid');
    m.reconciled('apptrustprofile', 'conflict');
    m.reconciled('apptrustprofile', 'error');
    expect(await sample(m, 'controller_runtime_reconcile_total', { result: 'invalid' })).toBe(2);
    expect(await sample(m, 'controller_runtime_reconcile_total', { result: 'conflict' })).toBe(1);
    expect(await sample(m, 'controller_runtime_reconcile_total', { result: 'success' })).toBe(0);
    expect(
      await sample(m, 'controller_runtime_reconcile_errors_total', { controller: 'apptrustprofile' }),
    ).toBe(1);
  });

  it('gauges profiles by Ready reason, one series per known reason, Other for the rest', async () => {
    const m = new OperatorMetrics('1.2.3');
    m.profileReason('a/x', 'Reconciled');
    m.profileReason('a/y', 'InvalidSpec');
    m.profileReason('a/y', 'Reconciled');
    m.profileReason('b/z', 'SomethingNew');
    m.profileReason('b/gone', 'Conflict');
    m.profileReason('b/gone', undefined);
    expect(await sample(m, 'apptrust_profiles', { reason: 'Reconciled' })).toBe(2);
    expect(await sample(m, 'apptrust_profiles', { reason: 'InvalidSpec' })).toBe(0);
    expect(await sample(m, 'apptrust_profiles', { reason: 'Conflict' })).toBe(0);
    expect(await sample(m, 'apptrust_profiles', { reason: 'Other' })).toBe(1);
    const series = (await m.registry.getMetricsAsJSON()).find((x) => x.name === 'apptrust_profiles')?.values;
    expect(series?.map((v) => v.labels.reason).sort()).toEqual(
      ['ApplyFailed', 'Audit', 'Conflict', 'InvalidSpec', 'Other', 'Reconciled'].sort(),
    );
  });

  it('counts the Events dropped by a full queue, read from the recorder at scrape time', async () => {
    const m = new OperatorMetrics('1.2.3');
    expect(await sample(m, 'apptrust_events_dropped_total', {})).toBe(0);
    let dropped = 3;
    m.countDroppedEvents(() => dropped);
    expect(await sample(m, 'apptrust_events_dropped_total', {})).toBe(3);
    dropped = 7;
    expect(await sample(m, 'apptrust_events_dropped_total', {})).toBe(7);
  });

  it('exposes build info and the default process and Node.js metrics', async () => {
    const m = new OperatorMetrics('1.2.3');
    expect(await sample(m, 'apptrust_build_info', { version: '1.2.3' })).toBe(1);
    const text = await m.registry.metrics();
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toContain('process_cpu_seconds_total');
  });
});

describe('bind addresses', () => {
  it.each([
    [':8080', { host: undefined, port: 8080 }],
    ['127.0.0.1:9090', { host: '127.0.0.1', port: 9090 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
    ['0', undefined],
  ])('%s', (text, want) => expect(parseAddress(text)).toEqual(want));

  it.each(['8080', 'localhost', ':70000', 'a:b:1'])('refuses %s', (text) =>
    expect(() => parseAddress(text)).toThrow('is not HOST:PORT'),
  );

  it('a port in use is one readable error, not a crash', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    await expect(serve('metrics', `127.0.0.1:${port}`, {})).rejects.toThrow(
      `metrics: cannot listen on 127.0.0.1:${port}: address already in use`,
    );
    blocker.close();
  });

  it('127.0.0.1:PORT serves on loopback', async () => {
    const server = await serve('probes', '127.0.0.1:0', {
      '/healthz': async () => [200, 'text/plain', 'ok\n'],
    });
    const { port, address } = (server?.address() ?? {}) as { port: number; address: string };
    expect(address).toBe('127.0.0.1');
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).text()).toBe('ok\n');
    server?.close();
  });
});
