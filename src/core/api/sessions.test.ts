import {describe, expect, it} from 'vitest'

import {ExtendBody} from './sessions.js'

/** The one message a bad `additional_hours` gets (the daemon prefixes the field name). */
function problem(body: unknown): string | undefined {
  const parsed = ExtendBody.safeParse(body)
  return parsed.success ? undefined : parsed.error.issues.map((i) => i.message).join('; ')
}

describe('ExtendBody', () => {
  it('takes a whole number of hours, leaving "too many for this session" to the service', () => {
    expect(problem({additional_hours: 2})).toBeUndefined()
    // 13 is refused with what is left of the session's 12 hours, which only the service knows.
    expect(problem({additional_hours: 13})).toBeUndefined()
  })

  it('says a missing value is missing, and only then', () => {
    expect(problem({})).toBe('is required: a whole number of hours, 1-12')
  })

  it('says a quoted number is a string, not that it is missing', () => {
    expect(problem({additional_hours: '2'})).toBe('must be a number 1-12, not a string: send 2 without quotes')
    expect(problem({additional_hours: 'two'})).toBe('must be a number 1-12 (got "two")')
    expect(problem({additional_hours: null})).toBe('must be a number 1-12 (got null)')
  })

  it('says what is wrong with a number out of shape', () => {
    expect(problem({additional_hours: 1.5})).toBe('must be a whole number of hours')
    expect(problem({additional_hours: 0})).toBe('must be at least 1')
  })
})
