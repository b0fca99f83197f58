// Shared jest settings for every project (each project's jest.config.ts spreads this).
// jose and @noble/hashes ship ES modules only, so jest transforms them like our own sources.
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.(ts|js|mjs)$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  transformIgnorePatterns: ['node_modules/(?!(jose|@noble)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};
