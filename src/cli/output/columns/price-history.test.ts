import {describe, expect, it} from 'vitest'

import type {PricePointDto} from '../../../core/api/inventory.js'
import {toTsv} from './column.js'
import {PRICE_POINT_COLUMNS, pointTime} from './price-history.js'

const point: PricePointDto = {
  at: '2026-01-15T11:57:00Z', provider: 'tensordock', gpu_type: 'RTX 4090', min_price_per_gpu_hour: 0.3,
  median_price_per_gpu_hour: 0.425, min_price_per_gpu_hour_micro_usd: 300_000, median_price_per_gpu_hour_micro_usd: 425_000, offer_count: 37,
}

describe('price history columns', () => {
  it('render time, provider, min and median per GPU-hour, and the offer count', () => {
    const cells = toTsv(PRICE_POINT_COLUMNS, [point], {now: 0}).split('\t')
    expect(cells).toEqual([pointTime(point.at), 'tensordock', '$0.30', '$0.425', '37'])
    expect(PRICE_POINT_COLUMNS.map((c) => c.header)).toEqual(['TIME', 'PROVIDER', 'MIN $/GPU/H', 'MEDIAN $/GPU/H', 'OFFERS'])
  })

  it('always show the date, in local time, because points span days', () => {
    const local = new Date(2026, 0, 5, 9, 7)
    expect(pointTime(local.toISOString())).toBe('2026-01-05 09:07')
    expect(pointTime('not a time')).toBe('not a time')
  })
})
