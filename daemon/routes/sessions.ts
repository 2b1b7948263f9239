import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {ErrorBody, MessageReply} from '../../src/core/api/common.js'
import {
  CreateSessionBody,
  CreateSessionReply,
  EventsParams,
  EventsReply,
  ExtendBody,
  ExtendReply,
  SessionDto,
  SessionIdParams,
  SessionsParams,
  SessionsReply,
} from '../../src/core/api/sessions.js'
import {toIso} from '../../src/core/clock.js'
import {isTerminal} from '../../src/core/session-status.js'
import type {SessionEvent} from '../../src/store/session-events-repo.js'
import type {StoredSession} from '../../src/store/sessions-repo.js'
import {billedSoFar} from '../../src/services/cost-service.js'
import {createSession, extendSession, findSession, getSession, listSessions, releaseSession, sessionEventsAfter} from '../../src/services/session-service.js'
import type {FastifyReply} from 'fastify'

import {withIdempotency} from '../../src/services/idempotency.js'
import type {AppDeps} from '../deps.js'
import {idempotencyKeyOf} from '../idempotency-key.js'
import {eventDto, sessionDto} from '../dto.js'

const errors = {400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody}

export function sessionRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const {ctx} = deps
  const simulated = ctx.simulated
  const dto = (s: StoredSession) => sessionDto(s, billedSoFar(ctx, s), simulated)

  return async (app) => {
    app.post(
      '/sessions',
      {schema: {body: CreateSessionBody, response: {201: CreateSessionReply, 402: ErrorBody, 502: ErrorBody, ...errors}}},
      async (request, reply) => {
        const body = request.body
        const idempotencyKey = idempotencyKeyOf(request.headers['x-idempotency-key']) ?? body.idempotency_key
        const {idempotency_key: _ignored, ...fingerprint} = body
        const result = createSession(
          ctx,
          {
            consumerId: body.consumer_id,
            offerId: body.offer_id,
            workloadType: body.workload_type,
            reservationHours: body.reservation_hours,
            idleThresholdMinutes: body.idle_threshold_minutes,
            storagePolicy: body.storage_policy,
            diskGb: body.disk_gb,
            templateHashId: body.template_hash_id ?? null,
            sshPublicKey: body.ssh_public_key ?? null,
            sshKeyIds: body.ssh_key_ids ?? [],
            hardMaxOverride: body.hard_max_override,
          },
          idempotencyKey,
          fingerprint,
          ({session, sshPrivateKey}) => ({
            statusCode: 201,
            body: {session: dto(session), ...(sshPrivateKey ? {ssh_private_key: sshPrivateKey} : {})},
          }),
        )
        deps.kickJobs()
        return reply.status(result.statusCode).send(result.body as CreateSessionReply)
      },
    )

    app.get('/sessions', {schema: {querystring: SessionsParams, response: {200: SessionsReply, 400: ErrorBody}}}, async (request) => {
      const q = request.query
      const {sessions, total} = listSessions(ctx, {consumerId: q.consumer_id, status: q.status, provider: q.provider, limit: q.limit, offset: q.offset})
      const items = sessions.map(({session, billed}) => sessionDto(session, billed, simulated))
      return {sessions: items, count: items.length, total, simulated}
    })

    app.get('/sessions/:id', {schema: {params: SessionIdParams, response: {200: SessionDto, ...errors}}}, async (request) => {
      return dto(getSession(ctx, request.params.id))
    })

    app.get(
      '/sessions/:id/events',
      {schema: {params: SessionIdParams, querystring: EventsParams, response: {200: EventsReply, ...errors}}},
      async (request, reply) => {
        const session = getSession(ctx, request.params.id)
        if (request.query.after !== undefined || !String(request.headers.accept ?? '').includes('text/event-stream')) {
          const events = sessionEventsAfter(ctx, session.id, request.query.after ?? 0).map(eventDto)
          return {events, count: events.length}
        }
        const lastId = Number(request.headers['last-event-id'] ?? 0) || 0
        reply.hijack()
        streamEvents(deps, request.raw, reply.raw, session, lastId)
        return reply
      },
    )

    const release = (scope: string, message: string) => async (request: {params: {id: string}; headers: Record<string, unknown>}, reply: FastifyReply) => {
      const result = withIdempotency(ctx, scope, idempotencyKeyOf(request.headers['x-idempotency-key']), {id: request.params.id}, () => {
        const session = releaseSession(ctx, request.params.id, {actor: 'api', message})
        return {statusCode: 200, body: {message: releaseMessage(session), session_id: session.id, simulated}}
      })
      deps.kickJobs()
      return reply.status(result.statusCode).send(result.body as MessageReply)
    }
    app.post(
      '/sessions/:id/done',
      {schema: {params: SessionIdParams, response: {200: MessageReply, ...errors}}},
      release('POST /api/v1/sessions/:id/done', 'workload done: releasing'),
    )
    app.delete(
      '/sessions/:id',
      {schema: {params: SessionIdParams, response: {200: MessageReply, ...errors}}},
      release('DELETE /api/v1/sessions/:id', 'force shutdown requested: destroying the instance'),
    )

    app.post(
      '/sessions/:id/extend',
      {schema: {params: SessionIdParams, body: ExtendBody, response: {200: ExtendReply, ...errors}}},
      async (request) => {
        const session = extendSession(ctx, request.params.id, request.body.additional_hours)
        return {
          message: `session extended by ${request.body.additional_hours} hour(s)`,
          session_id: session.id,
          new_expires_at: toIso(session.expiresAt),
          simulated,
        }
      },
    )
  }
}

function releaseMessage(session: StoredSession): string {
  if (session.status === 'stopped') return 'session already stopped'
  if (session.status === 'failed') return `session already failed${session.providerInstanceId ? '; its instance is being destroyed' : ''}`
  return 'session is stopping: the instance will be destroyed and billing closed once the provider confirms'
}

/** Server-Sent Events: the backlog after Last-Event-ID, then live events; ends once the session is terminal. */
function streamEvents(
  deps: AppDeps,
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
  session: StoredSession,
  lastId: number,
): void {
  const {ctx} = deps
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  })
  let sent = lastId
  let closed = false
  const send = (event: SessionEvent) => {
    if (closed || event.id <= sent) return
    sent = event.id
    res.write(`id: ${event.id}\nevent: session-event\ndata: ${JSON.stringify(eventDto(event))}\n\n`)
    if (event.toStatus && isTerminal(event.toStatus as never)) finish()
  }
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000)
  heartbeat.unref()
  const unsubscribe = ctx.events.subscribe(session.id, send)
  function finish() {
    if (closed) return
    closed = true
    clearInterval(heartbeat)
    unsubscribe()
    res.end()
  }
  req.on('close', finish)
  res.on('error', finish)
  for (const event of sessionEventsAfter(ctx, session.id, lastId)) send(event)
  const current = findSession(ctx, session.id)
  if (current && isTerminal(current.status)) finish()
}
