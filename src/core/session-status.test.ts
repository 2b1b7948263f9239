import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {ALLOCATION_STATUS, SESSION_STATUSES, canTransition, isTerminal, type SessionStatus} from './session-status.js'

describe('session states', () => {
  it('follows pending → provisioning → running → stopping → stopped', () => {
    expect(canTransition('pending', 'provisioning')).toBe(true)
    expect(canTransition('provisioning', 'running')).toBe(true)
    expect(canTransition('running', 'stopping')).toBe(true)
    expect(canTransition('stopping', 'stopped')).toBe(true)
    expect(canTransition('running', 'pending')).toBe(false)
    expect(canTransition('stopped', 'running')).toBe(false)
  })

  it('reaches failed from every non-terminal state and leaves no terminal state', () => {
    for (const s of SESSION_STATUSES) {
      expect(canTransition(s, 'failed')).toBe(!isTerminal(s))
    }
  })

  it('never leaves a terminal state whatever the sequence of attempts', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SESSION_STATUSES), {maxLength: 40}), (attempts) => {
        let state: SessionStatus = 'pending'
        let terminalSeen = false
        for (const next of attempts) {
          if (canTransition(state, next)) state = next
          if (terminalSeen) expect(isTerminal(state)).toBe(true)
          terminalSeen ||= isTerminal(state)
        }
      }),
    )
  })

  it('maps one to one onto the GPUaaS vocabulary', () => {
    expect(new Set(Object.values(ALLOCATION_STATUS)).size).toBe(SESSION_STATUSES.length)
    expect(ALLOCATION_STATUS.running).toBe('active')
  })
})
