import {describe, expect, it} from 'vitest'

import {windowStart} from '../components/data-table.js'
import {moveSelection} from './list-navigation.js'

describe('list navigation', () => {
  it('moves within the list and stops at its ends', () => {
    expect(moveSelection('down', 0, 3, 10)).toBe(1)
    expect(moveSelection('down', 2, 3, 10)).toBe(2)
    expect(moveSelection('up', 0, 3, 10)).toBe(0)
    expect(moveSelection('pageDown', 5, 100, 20)).toBe(25)
    expect(moveSelection('pageUp', 5, 100, 20)).toBe(0)
    expect(moveSelection('bottom', 5, 100_000, 20)).toBe(99_999)
    expect(moveSelection('top', 99, 100, 20)).toBe(0)
    expect(moveSelection('down', 0, 0, 20)).toBe(0)
  })

  it('scrolls the window only as far as the selection needs', () => {
    expect(windowStart(0, 5, 10, 100)).toBe(0)
    expect(windowStart(0, 10, 10, 100)).toBe(1)
    expect(windowStart(50, 45, 10, 100)).toBe(45)
    expect(windowStart(50, 55, 10, 100)).toBe(50)
    expect(windowStart(95, 99, 10, 100)).toBe(90)
    expect(windowStart(3, 2, 10, 5)).toBe(0)
  })
})
