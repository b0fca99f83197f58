export default {
  displayName: 'web-auth',
  preset: '../../../jest.preset.angular.js',
  coverageDirectory: '../../../coverage/libs/web/auth',
};
