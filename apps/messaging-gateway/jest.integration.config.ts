/** Integration tier: real Redis, DynamoDB Local and the four services as separate processes. */
export default {
  displayName: 'system-integration',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.integration-spec.ts'],
  testTimeout: 60_000,
  coverageDirectory: '../../coverage/apps/messaging-gateway-integration',
};
