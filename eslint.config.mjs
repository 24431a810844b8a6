// The layer fence of DESIGN.md §1: core and shared never touch `vscode` or the host; webviews import
// only src/shared. `npm test` runs this first, so a violation fails the build.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'http', 'https', 'net'];

export default tseslint.config(
  { ignores: ['dist/**', 'test/fixtures/customProviders/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test-artifacts/**', '**/*.mjs', '**/*.cjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'No default exports (STYLE.md).' }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/shared/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'Only src/extension.ts and src/host/** may import vscode (DESIGN.md §1).' }],
        patterns: [{ group: ['**/host/**', '**/extension', '**/webview-ui/**'], message: 'core, shared and cli may not depend on the host or the webviews.' }],
      }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'Only src/extension.ts and src/host/** may import vscode (DESIGN.md §1).' }],
        patterns: [{ group: ['**/host/**', '**/core/**', '**/cli/**', '**/webview-ui/**'], message: 'src/shared depends on nothing but itself.' }],
      }],
    },
  },
  {
    files: ['webview-ui/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'Webviews talk to the host through src/shared/protocol, never the vscode API.' },
          ...NODE_BUILTINS.map((name) => ({ name, message: 'Webviews run in a browser.' }))],
        patterns: [
          { group: ['node:*'], message: 'Webviews run in a browser.' },
          { group: ['**/src/core/**', '**/src/host/**', '**/src/cli/**', '**/src/extension'], message: 'webview-ui may import only src/shared/** (DESIGN.md §1).' },
        ],
      }],
    },
  },
);
