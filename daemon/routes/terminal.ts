import type {FastifyReply, FastifyRequest} from 'fastify'
import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'
import {z} from 'zod'

import {LOCAL_PRINCIPAL} from '../../src/auth/principal.js'
import {ErrorBody} from '../../src/core/api/common.js'
import {SessionIdParams} from '../../src/core/api/sessions.js'
import {TerminalTokenReply} from '../../src/core/api/terminal.js'
import {AppError, isAppError} from '../../src/core/errors.js'
import type {ServiceContext} from '../../src/services/context.js'
import type {StoredSession} from '../../src/store/sessions-repo.js'
import {findSession, getSession} from '../../src/services/session-service.js'
import {callerUrl} from '../caller-url.js'
import {terminalAsset} from '../terminal/assets.js'
import {BAD_TOKEN_REASON, closeReason, TERMINAL_CLOSE} from '../terminal/close-codes.js'
import {DEFAULT_TERMINAL_SIZE, dimension} from '../terminal/control-message.js'
import {TERMINAL_ASSETS_PREFIX, TERMINAL_PAGE_HTML, TERMINAL_PAGE_PATH, TERMINAL_WS_PATH} from '../terminal/page.js'
import {relayTerminal} from '../terminal/relay.js'
import {terminalTargetOf, type TerminalNoun} from '../terminal/terminal-target.js'
import {SOCKET_OPEN, type TerminalSocket} from '../terminal/terminal-socket.js'
import {TerminalTokens} from '../../src/services/terminal-tokens.js'

export interface TerminalRouteDeps {
  ctx: ServiceContext
  /** Tests bring their own (a manual clock, a tiny TTL); otherwise the daemon's clock and 60 s. */
  terminalTokens?: TerminalTokens
}

/**
 * The page only talks to the daemon that served it; connections only go where the page is.
 * Inline styles are allowed because xterm.js sizes its cells with injected <style> elements.
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const AssetParams = z.object({name: z.string()})

/**
 * The browser terminal (quick start step 6): mint a single-use token for a running session,
 * serve the xterm.js page, and relay its WebSocket to a PTY shell on the instance over SSH.
 * The page, its assets and the WebSocket need no bearer token (a browser has none): the
 * terminal token is their credential, and the loopback Host check still applies.
 */
export function terminalRoutes(deps: TerminalRouteDeps): FastifyPluginAsyncZod {
  const {ctx} = deps
  const tokens = deps.terminalTokens ?? new TerminalTokens(ctx)

  const mint = (noun: TerminalNoun) => async (request: FastifyRequest<{Params: {id: string}}>, reply: FastifyReply) => {
    const session = await getSession(request.ctx, request.params.id)
    terminalTargetOf(session, noun)
    const {token, expiresIn} = await tokens.mint(session.id, request.principal ?? LOCAL_PRINCIPAL)
    const query = `token=${encodeURIComponent(token)}`
    reply.header('Cache-Control', 'no-store')
    return {
      token,
      ws_url: callerUrl(request, `${TERMINAL_WS_PATH}?${query}`, 'websocket'),
      page_url: callerUrl(request, `${TERMINAL_PAGE_PATH}?${query}`, 'page'),
      expires_in: expiresIn,
      session_id: session.id,
    } satisfies TerminalTokenReply
  }

  return async (app) => {
    const schema = {params: SessionIdParams, response: {200: TerminalTokenReply, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody}}
    app.post('/api/v1/sessions/:id/terminal-token', {schema}, mint('session'))
    app.post('/api/v1/allocations/:id/terminal-token', {schema}, mint('allocation'))

    app.get(TERMINAL_PAGE_PATH, {schema: {hide: true}}, async (_request, reply) =>
      reply
        .header('Content-Type', 'text/html; charset=utf-8')
        .header('Content-Security-Policy', PAGE_CSP)
        // The token rides in this page's URL: never cache it, never send it on as a Referer.
        .header('Cache-Control', 'no-store')
        .header('Referrer-Policy', 'no-referrer')
        .header('X-Content-Type-Options', 'nosniff')
        .send(TERMINAL_PAGE_HTML),
    )

    app.get(`${TERMINAL_ASSETS_PREFIX}:name`, {schema: {hide: true, params: AssetParams}}, async (request, reply) => {
      const asset = terminalAsset(request.params.name)
      if (!asset) throw new AppError('not_found', `no terminal asset named ${request.params.name}`)
      return reply.header('Content-Type', asset.contentType).header('Cache-Control', 'no-cache').header('X-Content-Type-Options', 'nosniff').send(asset.body)
    })

    app.get(TERMINAL_WS_PATH, {websocket: true}, (socket: TerminalSocket, request: FastifyRequest) => {
      openTerminal(socket, request).catch((err: unknown) => {
        request.log.error({err: (err as Error).message}, 'browser terminal failed to start')
        if (socket.readyState === SOCKET_OPEN) socket.close(1011, 'the daemon failed to open the terminal; see its log')
      })
    })
  }

  async function openTerminal(socket: TerminalSocket, request: FastifyRequest): Promise<void> {
    // Until the relay owns the socket, a failing browser connection must not be an unhandled 'error'.
    socket.on('error', () => undefined)
    const refuse = (code: number, reason: string) => socket.close(code, closeReason(reason))

    // Browsers always send Origin: a page from another site that somehow holds a token must
    // not drive a shell here. Checked before the token is consumed, against the host the page
    // was served from (behind a trusted proxy, the one it forwards).
    const origin = request.headers.origin
    if (origin !== undefined && !sameOrigin(origin, request.host)) {
      return refuse(TERMINAL_CLOSE.forbiddenOrigin, 'this terminal only accepts pages served by the daemon itself')
    }

    // Nothing is read from the browser until the relay listens: what it sends meanwhile (its
    // first resize, early keystrokes) waits in the socket instead of going to no listener.
    socket.pause()
    const query = (request.query ?? {}) as Record<string, unknown>
    let claimed: Awaited<ReturnType<TerminalTokens['consume']>>
    let session: StoredSession | null = null
    try {
      claimed = await tokens.consume(typeof query.token === 'string' ? query.token : '')
      if (claimed) session = await findSession({...ctx, principal: claimed.principal}, claimed.sessionId)
    } finally {
      // Data flows again from a later tick: the relay below listens before then.
      socket.resume()
    }
    if (!claimed) return refuse(TERMINAL_CLOSE.badToken, BAD_TOKEN_REASON)
    if (!session) return refuse(TERMINAL_CLOSE.notRunning, `session ${claimed.sessionId} no longer exists`)
    let target
    try {
      target = terminalTargetOf(session)
    } catch (err) {
      if (!isAppError(err)) throw err
      // The 409 message is too long for a close frame: say the state, which is what changed.
      return refuse(TERMINAL_CLOSE.notRunning, `session ${session.id} is ${session.status}; there is no shell to open`)
    }

    const relay = relayTerminal(socket, {
      target,
      privateKey: ctx.daemonKey.privateKey,
      size: {cols: dimension(query.cols) ?? DEFAULT_TERMINAL_SIZE.cols, rows: dimension(query.rows) ?? DEFAULT_TERMINAL_SIZE.rows},
      log: request.log,
    })
    // Releasing the session destroys the instance; say why the shell went away instead of a bare drop.
    const unsubscribe = ctx.events.subscribe(session.id, (event) => {
      if (event.toStatus && event.toStatus !== 'running') {
        relay.close(TERMINAL_CLOSE.notRunning, `session ${session.id} is ${event.toStatus}; the terminal is closed`)
      }
    })
    socket.on('close', unsubscribe)
  }
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    return host !== '' && new URL(origin).host.toLowerCase() === host.toLowerCase()
  } catch {
    return false
  }
}
