import {describe, expect, it} from 'vitest'

import {editLine} from './line-edit.js'

describe('editLine', () => {
  it('appends typed and pasted text, deletes, clears, submits and cancels', () => {
    expect(editLine('40', '9', {})).toEqual({kind: 'change', value: '409'})
    expect(editLine('', 'rtx 4090', {})).toEqual({kind: 'change', value: 'rtx 4090'})
    expect(editLine('409', '', {backspace: true})).toEqual({kind: 'change', value: '40'})
    expect(editLine('', '', {delete: true})).toBeNull()
    expect(editLine('abc', 'u', {ctrl: true})).toEqual({kind: 'change', value: ''})
    expect(editLine('abc', '', {return: true})).toEqual({kind: 'submit', value: 'abc'})
    expect(editLine('abc', '', {escape: true})).toEqual({kind: 'cancel'})
  })

  it('ignores movement and control keys, and characters a prompt does not accept', () => {
    expect(editLine('a', '', {upArrow: true})).toBeNull()
    expect(editLine('a', '\u0007', {})).toBeNull()
    expect(editLine('1', 'x2.', {}, /[0-9]/)).toEqual({kind: 'change', value: '12'})
    expect(editLine('12345', '6', {}, undefined, 5)).toBeNull()
  })

  it('submits when Enter arrives in one chunk with the keys typed before and after it', () => {
    expect(editLine('4090 va', 'st\rU', {})).toEqual({kind: 'submit', value: '4090 vast'})
    expect(editLine('4090', '\rU', {})).toEqual({kind: 'submit', value: '4090'})
    expect(editLine('1', '2x\n', {}, /[0-9]/)).toEqual({kind: 'submit', value: '12'})
  })
})
