import {defineConfig} from 'vitest/config'

/**
 * The file that boots a real VM under TCG and waits for it: the guest takes both cores for a
 * minute or more, and every timed test beside it would slow down several fold. It runs after
 * the rest. (The slice crash tests stop their guests within seconds: they run with the rest.)
 */
const VM_TESTS = ['test/e2e/selfhosted-slice.test.ts']

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files start real daemons, simulators and SSH servers and spend their time waiting on
    // them: three at a time on 2 cores (vitest's default there is one) keeps the suite well
    // under 10 minutes without starving the keystroke-timed TUI tests.
    maxWorkers: 3,
    projects: [
      {extends: true, test: {name: 'main', include: ['{src,daemon,commands,tui,test}/**/*.test.{ts,tsx}'], exclude: VM_TESTS, sequence: {groupOrder: 0}}},
      {extends: true, test: {name: 'vm', include: VM_TESTS, sequence: {groupOrder: 1}}},
    ],
  },
})
