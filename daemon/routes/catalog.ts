import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {CatalogParams, CatalogReply} from '../../src/core/api/catalog.js'
import {ErrorBody} from '../../src/core/api/common.js'
import {HistoryParams, HistoryReply} from '../../src/core/api/inventory.js'
import type {AppDeps} from '../deps.js'
import {catalogItemDto, pricePointDto} from '../dto.js'

export function catalogRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const simulated = deps.ctx.simulated
  return async (app) => {
    app.get('/catalog', {schema: {querystring: CatalogParams, response: {200: CatalogReply, 400: ErrorBody}}}, async (request) => {
      const q = request.query
      const rows = await deps.inventory.catalog(request.ctx, {provider: q.provider, region: q.region, gpuType: q.gpu_type})
      const items = rows.map(catalogItemDto)
      return {items, count: items.length, stale_providers: deps.inventory.staleProviders(q.provider), simulated}
    })

    app.get('/inventory/history', {schema: {querystring: HistoryParams, response: {200: HistoryReply, 400: ErrorBody}}}, async (request) => {
      const q = request.query
      const since = q.since ? Date.parse(q.since) : undefined
      const history = await deps.inventory.priceHistory(q.gpu_type, {provider: q.provider, since, limit: q.limit})
      const points = history.points.map(pricePointDto)
      return {gpu_type: history.gpuType, points, count: points.length, simulated}
    })
  }
}
