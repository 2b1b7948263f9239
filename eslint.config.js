// Import boundaries follow ../shared/design/architecture.md: core is pure, commands stay thin,
// only the daemon reaches the store, and nothing but the TUI command loads Ink.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const banned = (...groups) => ({
  'no-restricted-imports': ['error', {patterns: groups.map((g) => ({group: g.patterns, message: g.message}))}],
})

const store = {patterns: ['**/store/**', 'better-sqlite3'], message: 'Only the daemon and services touch the store (one writer).'}
const daemon = {patterns: ['**/daemon/**'], message: 'Talk to the daemon over HTTP through src/client.'}
const services = {patterns: ['**/services/**', '**/providers/**'], message: 'Commands call the API through src/client; use cases live in the daemon.'}
const heavyUi = {patterns: ['ink', 'react', 'ink-*'], message: 'Ink and React load only through the TUI command\'s dynamic import().'}
const outsideCore = {
  patterns: [
    '**/store/**', '**/services/**', '**/providers/**', '**/daemon/**', '**/sim/**', '**/ssh/**', '**/config/**',
    '**/client/**', '**/cli/**', '**/log/**', '**/auth/**', 'node:*', 'better-sqlite3', 'fastify', 'ssh2', 'ky', 'pino',
  ],
  message: 'src/core is pure domain logic: no I/O and nothing outside core.',
}

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'oclif.manifest.json']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
  // The store is asynchronous: a call not awaited would run outside its transaction or lose its error.
  {
    files: ['src/**/*.ts', 'daemon/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: {parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname}},
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', {checksVoidReturn: {arguments: false, attributes: false}}],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {files: ['src/core/**/*.ts'], ignores: ['**/*.test.ts'], rules: banned(outsideCore)},
  // The simulators are product, but only `sim start`, `demo` and `--simulate` start them: CLI code
  // may name their types and load them with import(), never import them at start-up.
  {
    files: ['commands/**/*.ts', 'src/cli/**/*.ts', 'tui/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {patterns: [{group: ['**/sim/**'], allowTypeImports: true, message: 'Load the simulators with import() (see src/cli/flows/sim-loader.ts).'}]},
      ],
    },
  },
  {files: ['commands/**/*.ts'], rules: banned(store, daemon, services, heavyUi)},
  {files: ['src/client/**/*.ts', 'src/cli/**/*.ts'], rules: banned(store, daemon, services, heavyUi)},
  {files: ['src/store/**/*.ts'], rules: banned(daemon, services, heavyUi)},
  {files: ['src/providers/**/*.ts', 'src/services/**/*.ts', 'src/sim/**/*.ts'], rules: banned(daemon, heavyUi)},
  {files: ['tui/**/*.{ts,tsx}'], rules: banned(store, daemon, services)},
  // Tests read JSON replies of servers they exercise; typing every reply there adds nothing.
  {files: ['**/*.test.ts', '**/*.test.tsx', 'test/**/*.ts'], rules: {'@typescript-eslint/no-explicit-any': 'off'}},
  {files: ['bin/**/*.js', 'bench/**/*.js', 'scripts/**/*.js', 'eslint.config.js'], languageOptions: {globals: globals.node}},
)
