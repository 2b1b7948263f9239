import {asMicroUsd, type MicroUsd} from './money.js'
import {pricePerGpu, type Offer} from './offer.js'

export interface PricePoint {
  gpuType: string
  /** Per GPU-hour. */
  min: MicroUsd
  median: MicroUsd
  count: number
}

/** Per-GPU price statistics of one refresh, one point per GPU model. */
export function pricePoints(offers: readonly Offer[]): PricePoint[] {
  const byModel = new Map<string, number[]>()
  for (const o of offers) {
    if (!o.available) continue
    const perGpu = pricePerGpu(o)
    const list = byModel.get(o.gpuType)
    if (list) list.push(perGpu)
    else byModel.set(o.gpuType, [perGpu])
  }
  return [...byModel.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([gpuType, prices]) => {
      prices.sort((x, y) => x - y)
      const mid = prices.length >> 1
      const median = prices.length % 2 ? prices[mid]! : Math.round((prices[mid - 1]! + prices[mid]!) / 2)
      return {gpuType, min: asMicroUsd(prices[0]!), median: asMicroUsd(median), count: prices.length}
    })
}
