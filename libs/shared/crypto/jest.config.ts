export default {
  displayName: 'shared-crypto',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/shared/crypto',
};
