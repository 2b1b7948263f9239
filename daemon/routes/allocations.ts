import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'
import {z} from 'zod'

import {AllocationDto, AllocationsReply, CreateAllocationBody} from '../../src/core/api/allocations.js'
import {ConsumerId, ErrorBody} from '../../src/core/api/common.js'
import {SessionIdParams} from '../../src/core/api/sessions.js'
import {ALLOCATION_STATUS, SESSION_STATUSES} from '../../src/core/session-status.js'
import {toMicroUsd} from '../../src/core/money.js'
import {createSessionBySpec, getAllocation, listSessions, releaseSessionOnce} from '../../src/services/session-service.js'
import type {AppDeps} from '../deps.js'
import {allocationDto, createdAllocationDto} from '../dto.js'
import {idempotentAction, idempotentCreate} from '../idempotent-request.js'
import {sessionTermsOf, templateOfCreate} from '../session-terms.js'

const errors = {400: ErrorBody, 402: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody}

const AllocationsParams = z.object({
  consumer_id: ConsumerId.optional(),
  status: z.enum(['requested', 'provisioning', 'active', 'releasing', 'released', 'failed']).optional(),
})

/** The quick start's allocations: sessions created from a spec, seen in the GPUaaS vocabulary. */
export function allocationRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const simulated = deps.ctx.simulated
  return async (app) => {
    app.post('/allocations', {schema: {body: CreateAllocationBody, response: {201: AllocationDto, ...errors}}}, async (request, reply) => {
      const body = request.body
      await deps.inventory.waitForFirstLoad()
      const wanted = {
        sku: body.sku,
        gpuType: body.gpu_type,
        gpuCount: body.gpus_total,
        region: body.region_code ?? null,
        maxPricePerHour: body.max_price === undefined ? null : toMicroUsd(body.max_price),
        minReliability: body.min_reliability ?? null,
      }
      const idempotency = idempotentCreate(request.headers, body)
      const template = await templateOfCreate(request.ctx, deps.templates, body.template, idempotency, 'spec')
      const created = await createSessionBySpec(request.ctx, wanted, sessionTermsOf(body, template), idempotency)
      deps.kickJobs()
      return reply.status(201).send(createdAllocationDto(created, simulated))
    })

    app.get('/allocations', {schema: {querystring: AllocationsParams, response: {200: AllocationsReply, 400: ErrorBody}}}, async (request) => {
      const status = request.query.status ? SESSION_STATUSES.find((s) => ALLOCATION_STATUS[s] === request.query.status) : undefined
      const {sessions, total} = await listSessions(request.ctx, {consumerId: request.query.consumer_id, status})
      const allocations = sessions.map(({session}) => allocationDto(session, simulated))
      return {allocations, count: allocations.length, total, simulated}
    })

    app.get('/allocations/:id', {schema: {params: SessionIdParams, response: {200: AllocationDto, ...errors}}}, async (request) =>
      allocationDto(await getAllocation(request.ctx, request.params.id), simulated),
    )

    app.post('/allocations/:id/release', {schema: {params: SessionIdParams, response: {200: AllocationDto, ...errors}}}, async (request) => {
      const session = await releaseSessionOnce(request.ctx, request.params.id, {actor: 'api', message: 'allocation released'}, idempotentAction(request.headers, request.params.id))
      deps.kickJobs()
      return allocationDto(session, simulated)
    })
  }
}
