// Angular library: jest-preset-angular's CommonJS preset (jsdom, Angular compiler transform, zoneless TestBed in
// src/test-setup.ts), spelled out because the config loader cannot import the preset's directory module.
export default {
  displayName: 'web-auth',
  preset: '../../../jest.preset.js',
  testEnvironment: 'jsdom',
  transform: {
    '^.+\\.(ts|js|mjs|html|svg)$': [
      'jest-preset-angular',
      { tsconfig: '<rootDir>/tsconfig.spec.json', stringifyContentPathRegex: '\\.(html|svg)$' },
    ],
  },
  transformIgnorePatterns: ['node_modules/(?!(.*\\.mjs$|jose|@noble|@hpke|hash-wasm))'],
  moduleFileExtensions: ['ts', 'html', 'js', 'json', 'mjs'],
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  coverageDirectory: '../../../coverage/libs/web/auth',
};
