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
import {isTerminal} from '../../src/core/session-status.js'
import type {SessionEvent} from '../../src/store/session-events-repo.js'
import type {StoredSession} from '../../src/store/sessions-repo.js'
import {billedSoFar} from '../../src/services/cost-service.js'
import {awaitProviderAnswer} from '../../src/services/provider-answer.js'
import {diagnoseSession} from '../../src/services/session-diagnostics.js'
import {DiagnosticsReply} from '../../src/core/api/diagnostics.js'
import {
  createSession,
  extendSessionOnce,
  findSession,
  getSession,
  listSessions,
  releaseSessionOnce,
  resumeSession,
  sessionEventsAfter,
  type ReleaseMode,
} from '../../src/services/session-service.js'
import type {ServiceContext} from '../../src/services/context.js'
import type {AppDeps} from '../deps.js'
import {createdSessionDto, diagnosticsDto, eventDto, extendReply, releaseReply, sessionDto} from '../dto.js'
import {idempotentAction, idempotentCreate} from '../idempotent-request.js'
import {sessionTermsOf, templateOfCreate} from '../session-terms.js'

const errors = {400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody}

export function sessionRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const simulated = deps.ctx.simulated
  const dto = async (ctx: ServiceContext, s: StoredSession) => sessionDto(s, await billedSoFar(ctx, s), simulated)

  return async (app) => {
    app.post(
      '/sessions',
      {schema: {body: CreateSessionBody, response: {201: CreateSessionReply, 402: ErrorBody, 502: ErrorBody, ...errors}}},
      async (request, reply) => {
        const body = request.body
        const idempotency = idempotentCreate(request.headers, body)
        const template = await templateOfCreate(request.ctx, deps.templates, body.template, idempotency, 'offer')
        const created = await createSession(request.ctx, {...sessionTermsOf(body, template), offerId: body.offer_id}, idempotency)
        deps.kickJobs()
        const session = await awaitProviderAnswer(request.ctx, created.session, request.ctx.timings.createReplyWaitMs)
        return reply.status(201).send(createdSessionDto({...created, session}, await billedSoFar(request.ctx, session), simulated))
      },
    )

    app.get('/sessions', {schema: {querystring: SessionsParams, response: {200: SessionsReply, 400: ErrorBody}}}, async (request) => {
      const q = request.query
      const {sessions, total} = await listSessions(request.ctx, {consumerId: q.consumer_id, status: q.status, provider: q.provider, limit: q.limit, offset: q.offset})
      const items = sessions.map(({session, billed}) => sessionDto(session, billed, simulated))
      return {sessions: items, count: items.length, total, simulated}
    })

    app.get('/sessions/:id', {schema: {params: SessionIdParams, response: {200: SessionDto, ...errors}}}, async (request) => {
      return dto(request.ctx, await getSession(request.ctx, request.params.id))
    })

    app.get(
      '/sessions/:id/events',
      {schema: {params: SessionIdParams, querystring: EventsParams, response: {200: EventsReply, ...errors}}},
      async (request, reply) => {
        const session = await getSession(request.ctx, request.params.id)
        if (request.query.after !== undefined || !String(request.headers.accept ?? '').includes('text/event-stream')) {
          const events = (await sessionEventsAfter(request.ctx, session.id, request.query.after ?? 0)).map(eventDto)
          return {events, count: events.length}
        }
        const lastId = Number(request.headers['last-event-id'] ?? 0) || 0
        reply.hijack()
        await streamEvents(request.ctx, request.raw, reply.raw, session, lastId)
        return reply
      },
    )

    const release = (message: string, mode: ReleaseMode) => async (request: {params: {id: string}; headers: Record<string, unknown>; ctx: ServiceContext}) => {
      const session = await releaseSessionOnce(request.ctx, request.params.id, {actor: 'api', message}, idempotentAction(request.headers, request.params.id), mode)
      deps.kickJobs()
      return releaseReply(session, simulated, mode)
    }
    app.post('/sessions/:id/done', {schema: {params: SessionIdParams, response: {200: MessageReply, ...errors}}}, release('workload done: releasing', 'release'))
    app.delete(
      '/sessions/:id',
      {schema: {params: SessionIdParams, response: {200: MessageReply, ...errors}}},
      release('force shutdown requested: destroying the instance', 'destroy'),
    )
    app.get('/sessions/:id/diagnostics', {schema: {params: SessionIdParams, response: {200: DiagnosticsReply, ...errors}}}, async (request) => {
      return diagnosticsDto(await diagnoseSession(request.ctx, request.params.id), simulated)
    })
    app.post('/sessions/:id/resume', {schema: {params: SessionIdParams, response: {200: SessionDto, ...errors}}}, async (request) => {
      const session = await resumeSession(request.ctx, request.params.id)
      deps.kickJobs()
      return dto(request.ctx, session)
    })

    app.post(
      '/sessions/:id/extend',
      {schema: {params: SessionIdParams, body: ExtendBody, response: {200: ExtendReply, ...errors}}},
      async (request) => {
        const {id} = request.params
        const session = await extendSessionOnce(request.ctx, id, request.body.additional_hours, idempotentAction(request.headers, id, request.body))
        return extendReply(session, request.body.additional_hours, simulated)
      },
    )
  }
}

/** Server-Sent Events: the backlog after Last-Event-ID, then live events; ends once the session is terminal. */
async function streamEvents(
  ctx: ServiceContext,
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
  session: StoredSession,
  lastId: number,
): Promise<void> {
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
  // Live events wait here while the backlog is read: sent first, a newer one would make the
  // backlog's look already sent.
  let arrivedMeanwhile: SessionEvent[] | null = []
  const unsubscribe = ctx.events.subscribe(session.id, (event) => (arrivedMeanwhile ? arrivedMeanwhile.push(event) : send(event)))
  function finish() {
    if (closed) return
    closed = true
    clearInterval(heartbeat)
    unsubscribe()
    res.end()
  }
  req.on('close', finish)
  res.on('error', finish)
  try {
    for (const event of await sessionEventsAfter(ctx, session.id, lastId)) send(event)
    const live = arrivedMeanwhile
    arrivedMeanwhile = null
    for (const event of live) send(event)
    const current = await findSession(ctx, session.id)
    if (current && isTerminal(current.status)) finish()
  } catch (err) {
    // The reply is hijacked: no error body can follow the stream's head, so it just ends.
    ctx.log.error({session_id: session.id, err: err instanceof Error ? err.message : String(err)}, 'session event stream failed')
    finish()
  }
}
