import {describe, expect, it} from 'vitest'

import {ALLOCATION_STATUSES, allocationEventLine, allocationStatusOf} from './allocation-status.js'

describe('allocation vocabulary', () => {
  it('lists the quick start states in lifecycle order', () => {
    expect(ALLOCATION_STATUSES).toEqual(['requested', 'provisioning', 'active', 'releasing', 'released', 'failed', 'preserved'])
  })

  it('maps session states and leaves unknown ones alone', () => {
    expect(allocationStatusOf('running')).toBe('active')
    expect(allocationStatusOf('stopped')).toBe('released')
    expect(allocationStatusOf('weird')).toBe('weird')
  })

  it('narrates an event in allocation words', () => {
    const line = allocationEventLine({at: 'x', from_status: 'pending', to_status: 'provisioning', message: 'offer reserved'})
    expect(line).toBe('x  requested → provisioning  offer reserved')
    expect(allocationEventLine({at: 'x', from_status: null, to_status: null, message: 'pulling image'})).toBe('x  pulling image')
  })
})
