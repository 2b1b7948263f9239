import {describe, expect, it} from 'vitest'

import {outputFormatIn} from './output-mode.js'

describe('outputFormatIn', () => {
  it.each([
    [['--output', 'json'], 'json'],
    [['--output=json'], 'json'],
    [['-o', 'json'], 'json'],
    [['-ojson'], 'json'],
    [['-o=table'], 'table'],
    [['--output', 'json', '--output', 'table'], 'table'],
  ])('reads %j as %s', (argv, format) => {
    expect(outputFormatIn(argv)).toBe(format)
  })

  it('ignores unknown values, a missing value and anything after --', () => {
    expect(outputFormatIn(['--output', 'yaml'])).toBeUndefined()
    expect(outputFormatIn(['--output'])).toBeUndefined()
    expect(outputFormatIn(['--', '--output', 'json'])).toBeUndefined()
    expect(outputFormatIn(['--json'])).toBeUndefined()
  })
})
