// Lint rules: typescript-eslint recommended, formatting left to Prettier.
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'cdk.out/', 'dist/', '.local/', 'coverage/', '**/*.js', '**/*.mjs'],
  },
  // The connect page is browser JavaScript served as it is (type-checked by its own tsconfig.json).
  { ignores: ['!scripts/local/connect-page/*.js'] },
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['scripts/local/connect-page/*.js'],
    languageOptions: { sourceType: 'script' },
  },
);
