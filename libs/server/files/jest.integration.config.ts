/** Integration tier of the files library: the S3 blob store against s3rver (a real S3 API, in process). */
export default {
  displayName: 'server-files-integration',
  preset: '../../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.integration-spec.ts'],
  testTimeout: 30_000,
  coverageDirectory: '../../../coverage/libs/server/files-integration',
};
