// The linter: typescript-eslint's recommended rules for all TypeScript, the promise rules that need types (a dropped
// promise is a lost write or an unhandled rejection in a server), React's hook rules for the web apps, and the
// project's own rule that only src/db/dialect/ branches on which database it runs.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const dialectBranch = (name) => ({
  selector: `BinaryExpression[operator=/^[!=]==$/] > Literal[value='${name}']`,
  message: `Only src/db/dialect/ branches on the database: give the dialect a method instead of comparing with '${name}'.`,
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'data/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Tests and a few boundary adapters handle JSON of unknown shape; the types there are the schemas.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      // Refusing control characters is a rule of this product (SPEC §6: NUL, controls in deep links, terminal
      // escapes checked in tests): matching them in a pattern is deliberate here, never an accident.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'web/**/*.ts', 'web/**/*.tsx'],
    ignores: ['src/db/dialect/**'],
    rules: { 'no-restricted-syntax': ['error', dialectBranch('postgres'), dialectBranch('sqlite')] },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // The Shopify app's extensions are plain browser JavaScript: the app embed runs in the storefront's pages, the
    // web pixel in Shopify's sandbox (a worker).
    files: ['integrations/**/*.js'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },
  {
    // Functions a benchmark hands to the browser (page.evaluate) run there.
    files: ['bench/dashboard-reports.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
);
