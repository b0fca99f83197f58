/** Integration tier of the one-process mode: the built server with its embedded dynalite. */
export default {
  displayName: 'server-integration',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.integration-spec.ts'],
  testTimeout: 60_000,
  coverageDirectory: '../../coverage/apps/server-integration',
};
