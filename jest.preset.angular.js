// Jest for Angular projects: jest-preset-angular's CommonJS setup (jsdom, Angular compiler transform, zoneless
// TestBed in each project's src/test-setup.ts), spelled out because the config loader cannot import the preset's
// directory module. ES-module-only packages are transformed like our sources.
const base = require('./jest.preset.js');

module.exports = {
  ...base,
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
};
