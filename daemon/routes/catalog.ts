import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {CatalogParams, CatalogReply} from '../../src/core/api/catalog.js'
import {ErrorBody} from '../../src/core/api/common.js'
import {HistoryParams, HistoryReply} from '../../src/core/api/inventory.js'
import {toIso} from '../../src/core/clock.js'
import {microToUsd} from '../../src/core/money.js'
import {skuOf} from '../../src/core/sku.js'
import type {AppDeps} from '../deps.js'

export function catalogRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const {ctx} = deps
  const simulated = ctx.simulated
  return async (app) => {
    app.get('/catalog', {schema: {querystring: CatalogParams, response: {200: CatalogReply, 400: ErrorBody}}}, async (request) => {
      const q = request.query
      const rows = await deps.inventory.catalog({provider: q.provider, region: q.region, gpuType: q.gpu_type})
      const items = rows.map((r) => ({
        sku: skuOf(r.gpuType),
        gpu_type: r.gpuType,
        vram_gb: r.vramGb,
        gpus_total: r.gpuCount,
        hourly_price_minor: Math.round(r.minPrice / 10_000),
        min_price_per_hour: microToUsd(r.minPrice),
        max_price_per_hour: microToUsd(r.maxPrice),
        min_price_per_hour_micro_usd: r.minPrice,
        max_price_per_hour_micro_usd: r.maxPrice,
        offers: r.offers,
        regions: r.countries,
        providers: r.providers,
      }))
      return {items, count: items.length, stale_providers: deps.inventory.staleProviders(q.provider), simulated}
    })

    app.get('/inventory/history', {schema: {querystring: HistoryParams, response: {200: HistoryReply, 400: ErrorBody}}}, async (request) => {
      const q = request.query
      const since = q.since ? Date.parse(q.since) : undefined
      const history = deps.inventory.priceHistory(q.gpu_type, {provider: q.provider, since, limit: q.limit})
      const points = history.points.map((p) => ({
        at: toIso(p.at),
        provider: p.provider,
        gpu_type: p.gpuType,
        min_price_per_gpu_hour: microToUsd(p.min),
        median_price_per_gpu_hour: microToUsd(p.median),
        min_price_per_gpu_hour_micro_usd: p.min,
        median_price_per_gpu_hour_micro_usd: p.median,
        offer_count: p.count,
      }))
      return {gpu_type: history.gpuType, points, count: points.length, simulated}
    })
  }
}
