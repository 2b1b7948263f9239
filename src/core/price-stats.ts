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
  const stats = new PriceStats()
  stats.addAll(offers)
  return stats.points()
}

/**
 * The same statistics gathered as offers stream past: one number per available offer is kept
 * (a 100k-offer market is 800 KB of prices, not 100k offers).
 */
export class PriceStats {
  private readonly byModel = new Map<string, number[]>()

  addAll(offers: readonly Offer[]): void {
    for (const o of offers) {
      if (!o.available) continue
      const perGpu = pricePerGpu(o)
      const list = this.byModel.get(o.gpuType)
      if (list) list.push(perGpu)
      else this.byModel.set(o.gpuType, [perGpu])
    }
  }

  points(): PricePoint[] {
    return [...this.byModel.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([gpuType, prices]) => {
        prices.sort((x, y) => x - y)
        const mid = prices.length >> 1
        const median = prices.length % 2 ? prices[mid]! : Math.round((prices[mid - 1]! + prices[mid]!) / 2)
        return {gpuType, min: asMicroUsd(prices[0]!), median: asMicroUsd(median), count: prices.length}
      })
  }
}
