export default {
  displayName: 'server-rooms',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/server/rooms',
};
