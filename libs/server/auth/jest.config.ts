export default {
  displayName: 'server-auth',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/server/auth',
};
