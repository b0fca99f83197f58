// ESLint for Angular projects (apps/web, libs/web/*): the root config plus angular-eslint's TypeScript,
// template and accessibility rules.
import angular from 'angular-eslint';
import baseConfig from './eslint.config.mjs';

export default [
  ...baseConfig,
  ...angular.configs.tsRecommended.map((config) => ({ ...config, files: ['**/*.ts'] })),
  { files: ['**/*.ts'], processor: angular.processInlineTemplates },
  ...[...angular.configs.templateRecommended, ...angular.configs.templateAccessibility].map((config) => ({
    ...config,
    files: ['**/*.html'],
  })),
  {
    files: ['**/*.ts'],
    rules: {
      '@angular-eslint/component-selector': ['error', { type: 'element', prefix: ['parley', 'app'], style: 'kebab-case' }],
    },
  },
];
