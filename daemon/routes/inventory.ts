import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'
import {z} from 'zod'

import {ErrorBody} from '../../src/core/api/common.js'
import {InventoryParams, InventoryReply, OfferReply} from '../../src/core/api/inventory.js'
import type {InventoryQuery} from '../../src/core/inventory-query.js'
import {toMicroUsd} from '../../src/core/money.js'
import type {AppDeps} from '../deps.js'
import {offerDto, offerDtosWithHealth} from '../dto.js'
import {plainJson, sharedArrayJson} from '../plain-json.js'

export function inventoryRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const simulated = deps.ctx.simulated
  return async (app) => {
    app.get(
      '/inventory',
      {schema: {querystring: InventoryParams, response: {200: InventoryReply, 400: ErrorBody, 502: ErrorBody}}, serializerCompiler: sharedArrayJson('offers')},
      async (request) => {
        const q = request.query
        const asked: InventoryQuery = {
          provider: q.provider,
          gpuType: q.gpu_type,
          location: q.location,
          minVramGb: q.min_vram,
          maxPricePerHour: q.max_price === undefined ? undefined : toMicroUsd(q.max_price),
          minGpuCount: q.min_gpu_count ?? q.gpu_count,
          minReliability: q.min_reliability,
          minCuda: q.min_cuda,
          sort: q.sort,
          order: q.order,
          limit: q.limit,
          offset: q.offset,
        }
        const query = q.template === undefined ? asked : await deps.templates.inventoryQueryFor(asked, q.template)
        const result = await deps.inventory.query(request.ctx, query)
        return {
          offers: offerDtosWithHealth(result.offers, result.health),
          count: result.offers.length,
          total: result.total,
          stale_providers: result.staleProviders,
          simulated,
        }
      },
    )
    app.get(
      '/inventory/:id',
      {schema: {params: z.object({id: z.string().min(1).max(200)}), response: {200: OfferReply, 404: ErrorBody}}, serializerCompiler: plainJson},
      async (request) => ({...offerDto(await deps.inventory.get(request.ctx, request.params.id)), simulated}),
    )
  }
}
