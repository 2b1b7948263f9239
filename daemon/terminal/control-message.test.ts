import {describe, expect, it} from 'vitest'

import {closeReason} from './close-codes.js'
import {dimension, parseControlMessage} from './control-message.js'

describe('terminal control messages', () => {
  it('reads a resize and clamps absurd sizes', () => {
    expect(parseControlMessage('{"type":"resize","cols":120,"rows":40}')).toEqual({type: 'resize', cols: 120, rows: 40})
    expect(parseControlMessage('{"type":"resize","cols":1e9,"rows":40.7}')).toEqual({type: 'resize', cols: 1000, rows: 40})
  })

  it('treats anything else as typed input', () => {
    for (const text of ['ls -la\r', '{"type":"resize","cols":0,"rows":1}', '{"type":"input"}', '{not json', 'null', '{"type":"resize"}']) {
      expect(parseControlMessage(text)).toBeNull()
    }
  })

  it('accepts query-string dimensions and refuses junk', () => {
    expect(dimension('132')).toBe(132)
    expect(dimension('')).toBeNull()
    expect(dimension('-3')).toBeNull()
    expect(dimension('abc')).toBeNull()
    expect(dimension(undefined)).toBeNull()
  })

  it('keeps close reasons within the 123 bytes a close frame holds', () => {
    expect(closeReason('short')).toBe('short')
    const long = closeReason('é'.repeat(200))
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(123)
    expect(long).not.toContain('\uFFFD')
  })
})
