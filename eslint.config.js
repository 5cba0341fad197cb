// ESLint flat config: typescript-eslint with type information on the sources
// (no-floating-promises is the rule that matters most for a library whose
// results are promises), the recommended JS rules on scripts and tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', 'docs/api/**', '**/node_modules/**', '**/.examples/**'] },
  js.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    // Node globals are checked by the runtime tests; no-undef would need a globals list.
    rules: { 'no-undef': 'off', 'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }] },
  },
  {
    files: ['packages/*/src/**/*.ts', 'packages/*/src/**/*.cts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // CommonJS sources (a CLI entry that must start as fast as `node -e 0`): `import x = require()` is how they
    // import, and they destructure Node's modules after it (`const { readFileSync } = nodeFs`: functions without `this`).
    files: ['packages/*/src/**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // Tests, scripts and the bench: a dropped promise there hides a failure (a test that ends
    // before its assertion ran), so they get the promise rules with type information too.
    files: ['packages/*/test/**/*.js', 'scripts/**/*.js', 'bench/**/*.js'],
    languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.tests.json', tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // node:test's describe/test/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
);
