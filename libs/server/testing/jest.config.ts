export default {
  displayName: 'server-testing',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/server/testing',
};
