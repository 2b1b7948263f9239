import {describe, expect, it} from 'vitest'

import {ApiError} from '../../client/errors.js'
import {describeFailure} from '../failure.js'
import {extendFix, extendPrompt, extendableHours, notExtendableReason, withExtendFix} from './extension.js'

const START = '2026-12-01T10:00:00.000Z'
const at = (hours: number) => new Date(Date.parse(START) + hours * 3_600_000).toISOString()
const session = (fields: Partial<{status: 'pending' | 'running' | 'stopping' | 'stopped' | 'failed'; expires_at: string; started_at: string | null; hard_max_override: boolean}> = {}) => ({
  id: 'sess-1',
  status: 'running' as const,
  created_at: START,
  started_at: START,
  expires_at: at(2),
  hard_max_override: false,
  ...fields,
})
const pastMaximum = (left: number) =>
  new ApiError({
    status: 409,
    errorType: 'conflict',
    message: `extending by 13h would pass the 12-hour hard maximum; at most ${left}h can still be added`,
    details: {max_additional_hours: left},
  })

describe('the range an extension can take', () => {
  it('is what is left of the 12 hours from the start', () => {
    expect(extendableHours(session())).toBe(10)
    expect(extendableHours(session({expires_at: at(11)}))).toBe(1)
    expect(extendableHours(session({expires_at: at(12)}))).toBe(0)
    // Before it runs, the 12 hours count from the request.
    expect(extendableHours(session({status: 'pending', started_at: null, expires_at: at(3)}))).toBe(9)
    expect(extendableHours(session({expires_at: at(12), hard_max_override: true}))).toBe(12)
  })

  it('is the range the TUI asks for', () => {
    expect(extendPrompt('sess-1', 10)).toBe('Extend sess-1 by how many hours (1-10)')
    expect(extendPrompt('sess-1', 12)).toBe('Extend sess-1 by how many hours (1-12)')
    expect(extendPrompt('sess-1', 1)).toBe('Extend sess-1 by how many hours (1: all that is left of 12)')
  })

  it('says why nothing can be asked for an ended or fully reserved session', () => {
    expect(notExtendableReason(session())).toBeNull()
    expect(notExtendableReason(session({expires_at: at(12)}))).toBe('sess-1 already has the 12-hour maximum reserved: no hours can be added.')
    expect(notExtendableReason(session({status: 'stopped'}))).toBe('sess-1 is stopped: only a pending, provisioning or running session can be extended.')
  })
})

describe('the fix for a refused extension', () => {
  it('names the hours that can still be added, never the idempotency hint', () => {
    expect(extendFix(pastMaximum(10), 'sess-1', 'cli')).toBe('Add at most 10 h: `gpu-shopper extend sess-1 --hours 10`.')
    expect(extendFix(pastMaximum(10), 'sess-1', 'tui')).toBe('Add at most 10 h: press e and enter 1-10.')
    expect(extendFix(pastMaximum(0), 'sess-1', 'tui')).toBe('It already has the 12-hour maximum reserved; rent a new session when this one ends.')

    // Without it the generic conflict fix is about idempotency keys: the bug this replaces.
    const generic = describeFailure(pastMaximum(10)).fix
    expect(generic).toMatch(/idempotency/)
    const fixed = describeFailure(withExtendFix(pastMaximum(10), 'sess-1', 'tui'))
    expect(fixed.fix).toBe('Add at most 10 h: press e and enter 1-10.')
    expect(fixed.fix).not.toMatch(/idempotency/)
  })

  it('tells an ended session from one past its maximum', () => {
    const ended = new ApiError({status: 409, errorType: 'conflict', message: 'session sess-1 is stopped; only a pending, provisioning or running session can be extended', details: {status: 'stopped'}})
    expect(extendFix(ended, 'sess-1', 'cli')).toMatch(/Only a live session can be extended.*gpu-shopper provision/)
    expect(extendFix(new ApiError({status: 400, errorType: 'validation_error', message: 'field additional_hours: must be at least 1'}), 'sess-1', 'cli')).toBe('Give --hours a whole number from 1 to 12.')
    expect(extendFix(new Error('boom'), 'sess-1', 'cli')).toBeUndefined()
  })
})
