// Browser end-to-end tests: Node environment, playwright-core driving the system Chromium against the
// one-process server (started by the test itself from dist/).
export default {
  displayName: 'web-e2e',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  // Argon2id (64 MiB) runs in the browser several times; the whole journey takes a while on 2 cores.
  testTimeout: 120_000,
  coverageDirectory: '../../coverage/apps/web-e2e',
};
