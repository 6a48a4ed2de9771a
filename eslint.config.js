// Lint: eslint's and typescript-eslint's recommended rules, without type information (fast). Formatting is
// prettier's (.prettierrc.json), which these rule sets leave alone.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'data/', 'bench-report/', '.tmp/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      // A parameter an implementation does not need keeps its name, marked with `_` (abstract defaults).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `interface AppLogger extends Logger {}` types a DI token class as the interface it stands for.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    // Test doubles sometimes stand in for a type they do not implement whole.
    files: ['test/**', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'warn' },
  },
);
