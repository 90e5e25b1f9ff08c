// @ts-check
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'data/',
      '.test-results/',
      'jest.config.js',
      'openapi.json',
    ],
  },
  eslint.configs.recommended,
  // Type-aware rules: they see that a call returns a Promise, so an unawaited one is caught.
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Type-aware, so the rule reads emitDecoratorMetadata from tsconfig and leaves imports used
      // in decorated signatures alone: Nest needs those classes at run time for injection.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always'],
      // An async method without await is how a synchronous implementation (the in-process
      // key-value store) honours a Promise-returning interface: throws become rejections.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'src/**/*.int-spec.ts', 'migrations/**/*.spec.ts'],
    languageOptions: { globals: { ...globals.jest } },
    rules: {
      // expect(mock.method).toHaveBeenCalled() passes methods around without calling them.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain JavaScript (scripts, this file) is not part of the TypeScript project.
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
