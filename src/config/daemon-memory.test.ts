import {describe, expect, it} from 'vitest'

import {withDaemonAllocator} from './daemon-memory.js'

describe('withDaemonAllocator', () => {
  it('maps blocks of 64 KiB and more on their own, unless the user chose otherwise, and keeps the rest of the environment', () => {
    expect(withDaemonAllocator({PATH: '/bin'})).toEqual({PATH: '/bin', MALLOC_MMAP_THRESHOLD_: '65536'})
    expect(withDaemonAllocator({MALLOC_MMAP_THRESHOLD_: '131072'})).toEqual({MALLOC_MMAP_THRESHOLD_: '131072'})
  })
})
