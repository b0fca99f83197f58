export default {
  displayName: 'server-files',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/server/files',
};
