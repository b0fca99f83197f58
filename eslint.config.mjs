// Root ESLint flat config. Every project's eslint.config.mjs spreads this one, so the module
// boundaries (CONVENTIONS.md, "Tags") are enforced everywhere from a single place.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const SCOPES = ['auth', 'rooms', 'messaging', 'files', 'web'];

export default [
  {
    ignores: [
      '**/dist',
      '**/node_modules',
      '**/.nx',
      '**/coverage',
      '**/tmp',
      '**/.angular',
      'infra/cdk.out',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx', '**/*.cjs', '**/*.mjs'],
    // Project lint configs import this root file by relative path; it belongs to no project,
    // so the rule would call it an "external resource". Config files are not product code.
    ignores: ['**/eslint.config.{js,mjs,cjs}', '**/webpack.config.js'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            // Layering: apps compose features, features use data-access/ui/core, contracts sit below.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:ui', 'type:core', 'type:contracts', 'type:util'],
            },
            {
              sourceTag: 'type:feature',
              onlyDependOnLibsWithTags: ['type:data-access', 'type:ui', 'type:core', 'type:contracts', 'type:util'],
            },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:data-access', 'type:ui', 'type:core', 'type:contracts', 'type:util'],
            },
            { sourceTag: 'type:ui', onlyDependOnLibsWithTags: ['type:ui', 'type:contracts', 'type:util'] },
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:util'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },

            // Scopes: no service reaches into another's code (and so its tables).
            ...SCOPES.map((s) => ({
              sourceTag: `scope:${s}`,
              onlyDependOnLibsWithTags: [`scope:${s}`, 'scope:shared'],
            })),
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            // Addition to CONVENTIONS.md: apps/server (one-process mode) composes all four service
            // modules, which no single service scope may do. Named, so it is never a wildcard.
            {
              sourceTag: 'scope:composition',
              onlyDependOnLibsWithTags: [...SCOPES.filter((s) => s !== 'web').map((s) => `scope:${s}`), 'scope:shared'],
            },

            // Platforms: keep server-only and browser-only packages out of code that runs elsewhere.
            // The onlyDependOnLibsWithTags lists are an addition to CONVENTIONS.md: without them a
            // neutral lib could pull Nest in transitively through a server lib.
            {
              sourceTag: 'platform:neutral',
              onlyDependOnLibsWithTags: ['platform:neutral'],
              bannedExternalImports: ['@nestjs/*', '@angular/*', 'dynamoose', 'ioredis', 'socket.io', 'aws-cdk-lib'],
            },
            {
              sourceTag: 'platform:browser',
              onlyDependOnLibsWithTags: ['platform:browser', 'platform:neutral'],
              bannedExternalImports: ['@nestjs/*', 'dynamoose', 'ioredis', '@aws-sdk/*'],
            },
            {
              sourceTag: 'platform:server',
              onlyDependOnLibsWithTags: ['platform:server', 'platform:neutral'],
              bannedExternalImports: ['@angular/*'],
            },
          ],
        },
      ],
    },
  },
  {
    // Type-aware rules need a TS program; the project service finds each file's tsconfig
    // (the per-project tsconfig.lib/spec.json via the solution-style tsconfig.json).
    files: ['**/*.ts', '**/*.tsx', '**/*.cts', '**/*.mts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // An unawaited promise in a socket handler or shutdown hook loses errors silently.
      '@typescript-eslint/no-floating-promises': 'error',
      // Validated config and DTO classes (`@IsInt() PORT: number = 8080`) state their types next to
      // the validators on purpose; parameters and locals still must not repeat the obvious.
      '@typescript-eslint/no-inferrable-types': ['error', { ignoreProperties: true }],
      // `const { secret: _secret, ...safe } = x` is how we drop fields; a leading _ marks "unused on purpose".
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Plain JS/MJS config and tool files are not part of any tsconfig; never run type-aware rules on them.
    files: ['**/*.js', '**/*.jsx', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  // Last, so formatting never turns into lint errors.
  prettier,
];
