import {describe, expect, it} from 'vitest'

import {databaseSettingsFrom, redactDatabaseUrl} from './database.js'

describe('databaseSettingsFrom', () => {
  it('is the embedded SQLite file without a URL, and PostgreSQL with one from the flag or the environment', () => {
    expect(databaseSettingsFrom({}, {})).toBeNull()
    expect(databaseSettingsFrom({url: 'postgres://u:p@db:5432/gs'}, {})).toEqual({url: 'postgres://u:p@db:5432/gs', poolSize: 10, statementTimeoutMs: 30_000})
    expect(databaseSettingsFrom({poolSize: '4', statementTimeoutMs: '0'}, {GPU_SHOPPER_DATABASE_URL: 'postgresql://db/gs'})).toEqual({
      url: 'postgresql://db/gs',
      poolSize: 4,
      statementTimeoutMs: 0,
    })
  })

  it('refuses what it cannot use, naming the flag, and never repeats a password', () => {
    expect(() => databaseSettingsFrom({poolSize: '4'}, {})).toThrow(/--database/)
    expect(() => databaseSettingsFrom({url: 'mysql://u:secret@db/gs'}, {})).toThrow(/postgres:\/\//)
    expect(() => databaseSettingsFrom({url: 'not a url secret'}, {})).toThrow(/not a URL/)
    expect(() => databaseSettingsFrom({url: 'postgres://db/gs', poolSize: '0'}, {})).toThrow('--db-pool-size must be a whole number from 1 to 1000, got "0"')
    expect(() => databaseSettingsFrom({url: 'postgres://db/gs', statementTimeoutMs: '5s'}, {})).toThrow(/--db-statement-timeout/)
    for (const url of ['mysql://u:secret@db/gs', 'postgres://u:secret@db/gs']) expect(redactDatabaseUrl(url)).not.toContain('secret')
  })
})
