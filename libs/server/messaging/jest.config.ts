export default {
  displayName: 'server-messaging',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/server/messaging',
};
