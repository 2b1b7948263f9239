import {describe, expect, it} from 'vitest'

import type {PricePointDto} from '../../core/api/inventory.js'
import {medianTrendLines, sparkline} from './sparkline.js'

const point = (provider: string, at: string, median: number): PricePointDto => ({
  at, provider, gpu_type: 'RTX 4090', min_price_per_gpu_hour: median / 1e6, median_price_per_gpu_hour: median / 1e6,
  min_price_per_gpu_hour_micro_usd: median, median_price_per_gpu_hour_micro_usd: median, offer_count: 1,
})

describe('sparkline', () => {
  it('scales a series between its own minimum and maximum, one bar per value', () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▆▇█')
    expect(sparkline([10, 0, 10])).toBe('█▁█')
  })

  it('draws a flat series mid-height and nothing for no values', () => {
    expect(sparkline([5, 5, 5])).toBe('▄▄▄')
    expect(sparkline([])).toBe('')
  })

  it('averages a long series down to the width', () => {
    const line = sparkline(Array.from({length: 600}, (_, i) => i), 60)
    expect(line).toHaveLength(60)
    expect(line[0]).toBe('▁')
    expect(line.at(-1)).toBe('█')
  })
})

describe('medianTrendLines', () => {
  it('draws one line per provider, oldest first, with the first and last median', () => {
    // Given points of two providers, out of order
    const points = [
      point('vastai', '2026-01-15T12:00:00Z', 350_000),
      point('tensordock', '2026-01-15T11:00:00Z', 400_000),
      point('vastai', '2026-01-15T11:00:00Z', 300_000),
    ]

    // Then each provider has its own line, aligned, rising for vastai
    expect(medianTrendLines(points)).toEqual(['vastai      ▁█  $0.30 → $0.35', 'tensordock  ▄  $0.40 → $0.40'])
  })
})
