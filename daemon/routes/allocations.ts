import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'
import {z} from 'zod'

import {AllocationDto, AllocationsReply, CreateAllocationBody} from '../../src/core/api/allocations.js'
import {ConsumerId, ErrorBody} from '../../src/core/api/common.js'
import {SessionIdParams} from '../../src/core/api/sessions.js'
import {ALLOCATION_STATUS, SESSION_STATUSES} from '../../src/core/session-status.js'
import {toMicroUsd} from '../../src/core/money.js'
import {createSessionBySpec, getAllocation, listSessions, releaseSession} from '../../src/services/session-service.js'
import {withIdempotency} from '../../src/services/idempotency.js'
import type {AppDeps} from '../deps.js'
import {idempotencyKeyOf} from '../idempotency-key.js'
import {allocationDto} from '../dto.js'

const errors = {400: ErrorBody, 402: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody}

const AllocationsParams = z.object({
  consumer_id: ConsumerId.optional(),
  status: z.enum(['requested', 'provisioning', 'active', 'releasing', 'released', 'failed']).optional(),
})

/** The quick start's allocations: sessions created from a spec, seen in the GPUaaS vocabulary. */
export function allocationRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const {ctx} = deps
  const simulated = ctx.simulated
  return async (app) => {
    app.post('/allocations', {schema: {body: CreateAllocationBody, response: {201: AllocationDto, ...errors}}}, async (request, reply) => {
      const body = request.body
      const idempotencyKey = idempotencyKeyOf(request.headers['x-idempotency-key']) ?? body.idempotency_key
      const {idempotency_key: _ignored, ...fingerprint} = body
      await deps.inventory.waitForFirstLoad()
      const result = createSessionBySpec(
        ctx,
        {
          sku: body.sku,
          gpuType: body.gpu_type,
          gpuCount: body.gpus_total,
          region: body.region_code ?? null,
          maxPricePerHour: body.max_price === undefined ? null : toMicroUsd(body.max_price),
          minReliability: body.min_reliability ?? null,
        },
        {
          consumerId: body.consumer_id,
          workloadType: body.workload_type,
          reservationHours: body.reservation_hours,
          idleThresholdMinutes: body.idle_threshold_minutes,
          storagePolicy: body.storage_policy,
          diskGb: body.disk_gb,
          templateHashId: null,
          sshPublicKey: body.ssh_public_key ?? null,
          sshKeyIds: body.ssh_key_ids ?? [],
          hardMaxOverride: body.hard_max_override,
        },
        idempotencyKey,
        fingerprint,
        ({session, sshPrivateKey}) => ({
          statusCode: 201,
          body: {...allocationDto(session, simulated), ...(sshPrivateKey ? {ssh_private_key: sshPrivateKey} : {})},
        }),
      )
      deps.kickJobs()
      return reply.status(result.statusCode).send(result.body as AllocationDto)
    })

    app.get('/allocations', {schema: {querystring: AllocationsParams, response: {200: AllocationsReply, 400: ErrorBody}}}, async (request) => {
      const status = request.query.status ? SESSION_STATUSES.find((s) => ALLOCATION_STATUS[s] === request.query.status) : undefined
      const {sessions, total} = listSessions(ctx, {consumerId: request.query.consumer_id, status})
      const allocations = sessions.map(({session}) => allocationDto(session, simulated))
      return {allocations, count: allocations.length, total, simulated}
    })

    app.get('/allocations/:id', {schema: {params: SessionIdParams, response: {200: AllocationDto, ...errors}}}, async (request) =>
      allocationDto(getAllocation(ctx, request.params.id), simulated),
    )

    app.post('/allocations/:id/release', {schema: {params: SessionIdParams, response: {200: AllocationDto, ...errors}}}, async (request, reply) => {
      const key = idempotencyKeyOf(request.headers['x-idempotency-key'])
      const result = withIdempotency(ctx, 'POST /api/v1/allocations/:id/release', key, {id: request.params.id}, () => ({
        statusCode: 200,
        body: allocationDto(releaseSession(ctx, request.params.id, {actor: 'api', message: 'allocation released'}), simulated),
      }))
      deps.kickJobs()
      return reply.status(result.statusCode).send(result.body as AllocationDto)
    })
  }
}
