import {defineConfig} from 'vitest/config'

import {SlowFirstSequencer} from './test/support/slow-first-sequencer.js'

export default defineConfig({
  test: {
    include: ['{src,daemon,commands,tui,test}/**/*.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files start real daemons, simulators and SSH servers and spend their time waiting on
    // them: four at a time on 2 cores (vitest's default there is one) keeps the suite well
    // under 10 minutes without starving the keystroke-timed TUI tests.
    maxWorkers: 4,
    sequence: {sequencer: SlowFirstSequencer},
    // A throwaway PostgreSQL cluster: the store and the team server run on it as well as on SQLite.
    globalSetup: ['test/support/postgres-global-setup.ts'],
  },
})
