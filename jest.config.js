// Native ESM Jest with swc: TypeScript 7 has no JS compiler API, so ts-jest cannot run.
// Type-checking is `tsc --noEmit` (make lint/typecheck), not Jest's job.
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  // Tests live under test/; the rest of the tree holds build output and caches (etcd's data dirs
  // have *.snap files Jest would take for obsolete snapshots and fail a CI run on).
  roots: ['<rootDir>/test'],
};

export default {
  // Integration tests wait on a real API server and garbage collector.
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // Jest loads global setup outside its module mapping: it runs the compiled harness (make build).
      globalSetup: '<rootDir>/dist-test/test/cluster/global-setup.js',
      globalTeardown: '<rootDir>/dist-test/test/cluster/global-teardown.js',
    },
    // Real packets (Linux, root): kind's enforcer on network-namespace pods, with its own control
    // plane; skipped, with the reason, elsewhere. `make test` runs it after the integration tests.
    {
      ...common,
      displayName: 'dataplane',
      testMatch: ['<rootDir>/test/dataplane/**/*.test.ts'],
      globalSetup: '<rootDir>/dist-test/test/dataplane/global-setup.js',
      globalTeardown: '<rootDir>/dist-test/test/dataplane/global-teardown.js',
    },
    // Faults injected into the real operator process on a local control plane of its own per file
    // (make test-faults). Each test sets its own timeout.
    { ...common, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.test.ts'] },
    // Needs a kind cluster with the operator deployed (make e2e-kind); skipped without one.
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
