import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {checkExportFlags, exportResult, writeExportFile} from './costs-export.js'
import {UserError} from '../errors.js'

const CSV =
  'session_id,consumer_id,provider,gpu_type,period_start,period_end,seconds,price_per_hour_usd,amount_usd,amount_micro_usd\r\n' +
  'sess-1,me,vastai,RTX 4090,2026-01-01T00:00:00.000Z,2026-01-01T00:01:00.000Z,60.000,0.350000,0.005833,5833\r\n'

let dir: string | undefined
afterEach(async () => {
  if (dir) await rm(dir, {recursive: true, force: true})
  dir = undefined
})

describe('writeExportFile', () => {
  it('writes the CSV as sent and makes the file 0644, even one that was 0600', async () => {
    // Given an existing private file
    dir = await mkdtemp(join(tmpdir(), 'gpu-shopper-export-'))
    const path = join(dir, 'costs.csv')
    await writeFile(path, 'old', {mode: 0o600})

    // When the export is written over it
    const written = await writeExportFile(path, CSV)

    // Then the bytes are the daemon's and the mode is 0644
    expect(written).toBe(path)
    expect(await readFile(path, 'utf8')).toBe(CSV)
    expect((await stat(path)).mode & 0o777).toBe(0o644)
  })
})

describe('exportResult', () => {
  it('gives the rows, and the path only when there is a file', () => {
    expect(exportResult(CSV)).toEqual({rows: [expect.objectContaining({session_id: 'sess-1', amount_micro_usd: 5833})]})
    expect(exportResult(CSV, '/tmp/x.csv').path).toBe('/tmp/x.csv')
    expect(Object.keys(exportResult(CSV))).toEqual(['rows'])
  })
})

describe('checkExportFlags', () => {
  it('refuses bad dates, a reversed range and empty values, naming the flag', () => {
    const message = (flags: Parameters<typeof checkExportFlags>[0]) => {
      try {
        checkExportFlags(flags)
      } catch (err) {
        return err instanceof UserError ? err.message : String(err)
      }
      return 'accepted'
    }
    expect(message({'start-date': '2026-01-01', 'end-date': '2026-01-31', 'consumer-id': 'me'})).toBe('accepted')
    expect(message({'start-date': '2026-02-30'})).toMatch(/^--start-date must be a date/)
    expect(message({'start-date': '2026-02-01', 'end-date': '2026-01-01'})).toMatch(/^--start-date \(2026-02-01\) is after --end-date/)
    expect(message({'output-file': ' '})).toBe('--output-file must not be empty')
  })
})
