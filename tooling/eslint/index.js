import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** The shared lint rules: type-aware TypeScript checks that catch real bugs, not style (prettier owns style). */
export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // Effect generators yield services and errors by design; `require-yield` misreads them.
      'require-yield': 'off',
      '@typescript-eslint/no-namespace': 'off',
      // An async generator that yields without awaiting is still the natural way to write an AsyncIterable.
      '@typescript-eslint/require-await': 'off',
    },
  },
)
