import type {PricePointDto} from '../../core/api/inventory.js'
import {formatPrice} from './format.js'

const BARS = '▁▂▃▄▅▆▇█'

/**
 * One character per value, scaled between the series' own minimum and maximum. A long series
 * is averaged into `width` buckets so the line fits a terminal; a flat one sits mid-height.
 */
export function sparkline(values: readonly number[], width = 60): string {
  const series = values.length > width ? bucketAverages(values, width) : [...values]
  if (series.length === 0) return ''
  const min = Math.min(...series)
  const max = Math.max(...series)
  const top = BARS.length - 1
  return series.map((v) => BARS[max === min ? Math.floor(top / 2) : Math.round(((v - min) / (max - min)) * top)]).join('')
}

function bucketAverages(values: readonly number[], buckets: number): number[] {
  const out: number[] = []
  for (let b = 0; b < buckets; b++) {
    const slice = values.slice(Math.floor((b * values.length) / buckets), Math.floor(((b + 1) * values.length) / buckets))
    out.push(slice.reduce((sum, v) => sum + v, 0) / slice.length)
  }
  return out
}

/** "vastai      ▁▂▄▇█▆  $0.31 → $0.35": the median $/GPU/h trend, one line per provider, oldest first. */
export function medianTrendLines(points: readonly PricePointDto[]): string[] {
  const byProvider = new Map<string, PricePointDto[]>()
  for (const p of points) byProvider.set(p.provider, [...(byProvider.get(p.provider) ?? []), p])
  const width = Math.max(0, ...[...byProvider.keys()].map((name) => name.length))
  return [...byProvider].map(([provider, series]) => {
    const sorted = [...series].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
    const medians = sorted.map((p) => p.median_price_per_gpu_hour_micro_usd)
    const first = formatPrice(medians[0] ?? 0)
    const last = formatPrice(medians.at(-1) ?? 0)
    return `${provider.padEnd(width)}  ${sparkline(medians)}  ${first} → ${last}`
  })
}
