// Angular libraries: jest-preset-angular (jsdom, zoneless TestBed) on top of the shared root preset.
import { createCjsPreset } from 'jest-preset-angular/presets';

const angular = createCjsPreset();

export default {
  displayName: 'web-chat',
  preset: '../../../jest.preset.js',
  ...angular,
  transformIgnorePatterns: ['node_modules/(?!(.*\\.mjs$|jose|@noble|@hpke))'],
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  coverageDirectory: '../../../coverage/libs/web/chat',
};
