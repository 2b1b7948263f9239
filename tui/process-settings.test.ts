import {execFileSync} from 'node:child_process'

import {describe, expect, it} from 'vitest'

import {HEAP_FLAGS} from './process-settings.js'

describe('the dashboard process settings', () => {
  it('name V8 flags this Node knows (an unknown one would print an error over the dashboard)', () => {
    const known = execFileSync(process.execPath, ['--v8-options'], {encoding: 'utf8'})
    for (const flag of HEAP_FLAGS) expect(known).toContain(`  ${flag.split('=')[0]} `)
  })
})
