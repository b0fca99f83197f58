/** Integration tier of auth: real Redis, DynamoDB Local, two auth instances and the other services as processes. */
export default {
  displayName: 'auth-integration',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.integration-spec.ts'],
  testTimeout: 60_000,
  coverageDirectory: '../../coverage/apps/auth-integration',
};
