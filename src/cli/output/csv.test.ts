import {describe, expect, it} from 'vitest'

import {ledgerRowsOf, parseCsv} from './csv.js'

const HEADER = 'session_id,consumer_id,provider,gpu_type,period_start,period_end,seconds,price_per_hour_usd,amount_usd,amount_micro_usd,component'

describe('parseCsv', () => {
  it('splits CRLF records and ignores the empty tail after the last line break', () => {
    expect(parseCsv('a,b\r\n1,2\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ])
  })

  it('reads quoted cells with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('x,"a,b","say ""hi""","two\r\nlines"\r\n')).toEqual([['x', 'a,b', 'say "hi"', 'two\r\nlines']])
  })

  it('keeps empty cells and a last line without a line break', () => {
    expect(parseCsv('a,,c\n1,2,')).toEqual([
      ['a', '', 'c'],
      ['1', '2', ''],
    ])
    expect(parseCsv('')).toEqual([])
  })
})

describe('ledgerRowsOf', () => {
  it('keys rows by the header and turns the amount columns into numbers', () => {
    // Given the daemon's export with one ledger row
    const csv = `${HEADER}\r\nsess-1,"team, a",vastai,RTX 4090,2026-01-01T00:00:00.000Z,2026-01-01T00:01:00.000Z,60.000,0.350000,0.005833,5833,compute\r\n`

    // When it is read
    const rows = ledgerRowsOf(csv)

    // Then the numbers are numbers and the text is unquoted
    expect(rows).toEqual([
      {
        session_id: 'sess-1',
        consumer_id: 'team, a',
        provider: 'vastai',
        gpu_type: 'RTX 4090',
        period_start: '2026-01-01T00:00:00.000Z',
        period_end: '2026-01-01T00:01:00.000Z',
        seconds: 60,
        price_per_hour_usd: 0.35,
        amount_usd: 0.005833,
        amount_micro_usd: 5833,
        component: 'compute',
      },
    ])
  })

  it('gives no rows for a header alone or nothing', () => {
    expect(ledgerRowsOf(`${HEADER}\r\n`)).toEqual([])
    expect(ledgerRowsOf('')).toEqual([])
  })
})
