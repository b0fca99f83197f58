export default {
  displayName: 'infra',
  preset: '../jest.preset.js',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/cdk.out'],
  // Each environment is synthesized once per run, before the test files (they read the templates from disk).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 30_000,
  coverageDirectory: '../coverage/infra',
};
