import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {ErrorBody} from '../../src/core/api/common.js'
import {OfferHealthParams, OfferHealthReply} from '../../src/core/api/offer-health.js'
import {HEALTH_HALF_LIFE_MS, HEALTH_WINDOW_MS} from '../../src/core/offer-health.js'
import {visibleHostHealth} from '../../src/services/offer-health.js'
import type {AppDeps} from '../deps.js'
import {hostHealthDto} from '../dto.js'

export function offerHealthRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const simulated = deps.ctx.simulated
  return async (app) => {
    app.get('/offer-health', {schema: {querystring: OfferHealthParams, response: {200: OfferHealthReply, 400: ErrorBody}}}, async (request) => {
      const q = request.query
      const hosts = (await visibleHostHealth(request.ctx, {provider: q.provider, hostId: q.host_id, offerId: q.offer_id})).map(hostHealthDto)
      return {hosts, count: hosts.length, window_days: HEALTH_WINDOW_MS / 86_400_000, half_life_hours: HEALTH_HALF_LIFE_MS / 3_600_000, simulated}
    })
  }
}
