import { helpText, parseOptions } from '../../../src/config.js';

describe('operator options', () => {
  it('has production defaults', () => {
    const o = parseOptions([], {});
    expect(o).toMatchObject({
      watchNamespaces: [],
      baseline: true,
      baselineAllowDNS: false,
      concurrency: 32,
      kubeApiQps: 1000,
      kubeApiBurst: 2000,
      resyncPeriodMs: 36_000_000,
      leaderElect: true,
      leaseName: 'apptrust-operator',
      leaseNamespace: 'apptrust-system',
      operatorNamespace: 'apptrust-system',
      metricsAddress: ':8080',
      probeAddress: ':8081',
      leaderTimings: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
    });
    expect(o.compiler.dnsPorts).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
  });

  it('reads the environment, and flags win over it', () => {
    const env = { APPTRUST_CONCURRENCY: '8', APPTRUST_WATCH_NAMESPACES: 'a, b', POD_NAMESPACE: 'ops' };
    const o = parseOptions(['--concurrency=2', '--leader-elect=false'], env);
    expect(o.concurrency).toBe(2);
    expect(o.watchNamespaces).toEqual(['a', 'b']);
    expect(o.operatorNamespace).toBe('ops');
    expect(o.leaseNamespace).toBe('ops');
    expect(o.leaderElect).toBe(false);
  });

  it('takes leader election timings as durations and refuses inconsistent ones', () => {
    const o = parseOptions(
      [
        '--leader-elect-lease-duration=1m',
        '--leader-elect-renew-deadline=40s',
        '--leader-elect-retry-period=500ms',
      ],
      {},
    );
    expect(o.leaderTimings).toEqual({ leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 500 });
    expect(() => parseOptions(['--leader-elect-lease-duration=10s'], {})).toThrow(
      '--leader-elect-lease-duration: must be longer than --leader-elect-renew-deadline',
    );
    expect(() => parseOptions(['--leader-elect-retry-period=9s'], {})).toThrow(
      '--leader-elect-renew-deadline',
    );
    expect(() => parseOptions(['--leader-elect-retry-period=2'], {})).toThrow(
      '--leader-elect-retry-period: want a duration such as 15s, 500ms or 1m',
    );
  });

  it('takes OpenShift-style DNS settings', () => {
    const o = parseOptions(
      [
        '--dns-namespace=openshift-dns',
        '--dns-pod-labels=dns.operator.openshift.io/daemonset-dns=default',
        '--dns-ports=UDP/5353,TCP/5353',
      ],
      {},
    );
    expect(o.compiler.dnsPeer).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-dns' } },
      podSelector: { matchLabels: { 'dns.operator.openshift.io/daemonset-dns': 'default' } },
    });
    expect(o.compiler.dnsPorts).toEqual([
      { protocol: 'UDP', port: 5353 },
      { protocol: 'TCP', port: 5353 },
    ]);
  });

  it('takes the DNS-name settings as durations, with defaults', () => {
    expect(parseOptions([], {}).fqdn).toEqual({
      resolver: undefined,
      timings: { minTtlMs: 5_000, maxTtlMs: 600_000, graceMs: 60_000 },
    });
    expect(
      parseOptions(
        ['--fqdn-resolver=10.96.0.10:53', '--fqdn-min-ttl=1s', '--fqdn-max-ttl=1h', '--fqdn-grace=500ms'],
        {},
      ).fqdn,
    ).toEqual({ resolver: '10.96.0.10:53', timings: { minTtlMs: 1_000, maxTtlMs: 3_600_000, graceMs: 500 } });
    expect(parseOptions([], { APPTRUST_FQDN_GRACE: '5m' }).fqdn.timings.graceMs).toBe(300_000);
  });

  it.each([
    [['--fqdn-min-ttl=5'], '--fqdn-min-ttl: want a duration such as 1s, 500ms, 5m or 1h'],
    [['--fqdn-min-ttl=500ms'], '--fqdn-min-ttl: must be at least 1s'],
    [['--fqdn-min-ttl=10s', '--fqdn-max-ttl=5s'], '--fqdn-max-ttl: must be at least --fqdn-min-ttl'],
    [['--fqdn-resolver=a b'], '--fqdn-resolver: want HOST:PORT'],
    [['--frobnicate=1'], '--frobnicate: unknown option'],
    [['--concurrency=0'], '--concurrency:'],
    [['--baseline=maybe'], '--baseline:'],
    [['--dns-ports=ICMP/1'], '--dns-ports: bad entry'],
    [['positional'], 'unexpected argument "positional"'],
  ])('rejects %j naming the option', (argv, message) => {
    expect(() => parseOptions(argv, {})).toThrow(message);
  });

  it('documents every option with its environment variable', () => {
    expect(helpText()).toContain('--baseline-exclude');
    expect(helpText()).toContain('APPTRUST_LEASE_NAMESPACE');
  });
});
