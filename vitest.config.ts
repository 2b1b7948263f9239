import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{src,daemon,commands,tui,test}/**/*.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
