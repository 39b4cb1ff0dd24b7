import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.sandbox/', '**/*.cjs', '**/*.mjs', '**/*.js'] },
  // Type-aware rules for the product code: they catch floating promises (the exporter crash),
  // misused promises and conditions the types say can never change.
  {
    files: ['src/**/*.ts'],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unnecessary-condition': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      // async methods that satisfy a Promise-returning interface without awaiting are fine
      '@typescript-eslint/require-await': 'off',
      // `.catch((err: NodeJS.ErrnoException) => ...)` is how this code base reads errno codes
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'off',
      // `(x) => doSomething(x)` callbacks returning void are idiomatic; keep them.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Numbers and booleans in messages are fine; objects are not.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  // Boundary: library code never imports the CLI (the CLI passes what it needs: progress, clock, style).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cli/*', '**/cli/**'],
              message: 'src/cli is the entry point: pass what you need in',
            },
          ],
        },
      ],
    },
  },
  // Tests: the lighter, syntax-only set (they are not part of the tsconfig project).
  {
    files: ['test/**/*.ts', '*.ts'],
    extends: [...tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
