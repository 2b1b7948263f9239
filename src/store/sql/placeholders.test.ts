import {describe, expect, it} from 'vitest'

import {toPostgres} from './placeholders.js'

describe('toPostgres', () => {
  it('numbers positional parameters in order', () => {
    expect(toPostgres('SELECT * FROM t WHERE a = ? AND b > ?', [1, 2])).toEqual({text: 'SELECT * FROM t WHERE a = $1 AND b > $2', values: [1, 2]})
  })

  it('gives each named parameter one number, however often it is used, and orders the values to match', () => {
    expect(toPostgres('SELECT @b, @a WHERE x = @b OR @a IS NULL', {a: 'A', b: 'B', unused: 1})).toEqual({
      text: 'SELECT $1, $2 WHERE x = $1 OR $2 IS NULL',
      values: ['B', 'A'],
    })
  })

  it('leaves string literals, quoted identifiers and comments alone', () => {
    const sql = `SELECT '?@x', "we""ird?", 'it''s ?' -- what? @y\nFROM t WHERE a = ?`
    expect(toPostgres(sql, [1]).text).toBe(`SELECT '?@x', "we""ird?", 'it''s ?' -- what? @y\nFROM t WHERE a = $1`)
  })

  it('refuses a named parameter it was not given, and a statement that mixes both kinds', () => {
    expect(() => toPostgres('SELECT @a', {})).toThrow('missing SQL parameter @a')
    expect(() => toPostgres('SELECT @a, ?', {a: 1})).toThrow('mixes')
  })
})
