export default {
  displayName: 'shared-crypto',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/shared/crypto',
  // Argon2id, 5 200-round safety numbers, 4 MiB vectors and Chromium: generous when the machine is busy.
  testTimeout: 60_000,
};
