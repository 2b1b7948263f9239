import {describe, expect, it} from 'vitest'

import {parseRetryAfterMs} from './retry-after.js'

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-03-01T12:00:00Z')
  it.each([
    ['3', 3000],
    ['0', 0],
    [' 2 ', 2000],
    ['1.5', 1500],
    ['Sun, 01 Mar 2026 12:00:05 GMT', 5000],
    ['Sun, 01 Mar 2026 11:59:00 GMT', 0],
    ['soon', null],
    ['', null],
    [null, null],
    [undefined, null],
    ['-1', null],
  ])('%j → %s', (header, expected) => {
    expect(parseRetryAfterMs(header, now)).toBe(expected)
  })
})
