import {setTimeout as delay} from 'node:timers/promises'

import type {ApiClient} from '../../client/api-client.js'
import {DaemonUnreachableError, StreamUnavailableError, isAbortError} from '../../client/errors.js'
import type {SessionDto, SessionEventDto} from '../../core/api/sessions.js'
import {type SessionStatus, isTerminal} from '../../core/session-status.js'

export type FollowOutcome =
  /** The session reached one of the wanted statuses. */
  | {kind: 'reached'; session: SessionDto}
  /** It ended (stopped or failed) without reaching one. */
  | {kind: 'ended'; session: SessionDto}
  | {kind: 'timeout'; session: SessionDto}
  | {kind: 'interrupted'; session: SessionDto}

export interface FollowOptions {
  until: readonly SessionStatus[]
  timeoutMs: number
  /** Ctrl-C: stop following; the session itself is left alone. */
  signal?: AbortSignal
  onEvent?: (event: SessionEventDto) => void
  onStatus?: (session: SessionDto) => void
  /**
   * How often the session is also read directly. The event stream is the fast path; the
   * re-read covers a transition that happened between the first read and the stream opening,
   * and servers without a stream.
   */
  recheckMs?: number
  /** Also narrate events from before the call (provision --wait wants the create's; a watch does not). */
  history?: boolean
}

/**
 * Follows a session's events until it reaches a wanted status, ends, the deadline passes, or the
 * caller aborts. Survives the daemon restarting underneath (reconnects, resuming after the last
 * event seen). Never changes the session.
 */
export async function followSession(client: ApiClient, sessionId: string, options: FollowOptions): Promise<FollowOutcome> {
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs)
  try {
    return await follow(client, sessionId, options, AbortSignal.any(options.signal ? [timeout.signal, options.signal] : [timeout.signal]))
  } finally {
    // A pending deadline timer would keep the CLI alive for --timeout seconds after an error.
    clearTimeout(timer)
  }
}

async function follow(client: ApiClient, sessionId: string, options: FollowOptions, stop: AbortSignal): Promise<FollowOutcome> {
  const recheckMs = options.recheckMs ?? 2_000
  // Read what already happened first, so nothing that happens after the call counts as past.
  let lastEventId: number | undefined
  let skipUpTo = 0
  if (!options.history && options.onEvent) {
    const past = await client.sessions.events(sessionId, 0, {signal: options.signal}).catch(() => null)
    skipUpTo = Math.max(0, ...(past?.events ?? []).map((e) => e.id))
    if (skipUpTo > 0) lastEventId = skipUpTo
  }
  let session = await client.sessions.get(sessionId, {signal: options.signal})
  let reported: string = session.status
  options.onStatus?.(session)
  const isDone = (s: SessionDto) => options.until.includes(s.status) || isTerminal(s.status)
  const refresh = async () => {
    const next = await client.sessions.get(sessionId, {signal: stop})
    session = next
    if (next.status !== reported) {
      reported = next.status
      options.onStatus?.(next)
    }
    return next
  }
  const outcome = (): FollowOutcome => {
    if (options.until.includes(session.status)) return {kind: 'reached', session}
    if (isTerminal(session.status)) return {kind: 'ended', session}
    return options.signal?.aborted ? {kind: 'interrupted', session} : {kind: 'timeout', session}
  }

  let streaming = true
  while (!isDone(session) && !stop.aborted) {
    const round = new AbortController()
    const roundSignal = AbortSignal.any([stop, round.signal])
    const recheck = setInterval(() => {
      refresh()
        .then((s) => isDone(s) && round.abort())
        .catch(() => {})
    }, recheckMs)
    try {
      if (streaming) {
        for await (const event of client.sessions.streamEvents(sessionId, {signal: roundSignal, lastEventId})) {
          lastEventId = event.id
          // Servers that ignore Last-Event-ID replay everything; the past is filtered here.
          if (event.id <= skipUpTo) continue
          options.onEvent?.(event)
          if (event.to_status && event.to_status !== reported && isDone(await refresh())) break
        }
      } else {
        await delay(recheckMs, undefined, {signal: roundSignal})
        await refresh()
      }
    } catch (err) {
      if (err instanceof StreamUnavailableError) streaming = false
      else if (err instanceof DaemonUnreachableError) await delay(500, undefined, {signal: stop}).catch(() => {})
      else if (!isAbortError(err) && !stop.aborted && !round.signal.aborted) throw err
    } finally {
      clearInterval(recheck)
    }
    if (!stop.aborted && !isDone(session)) {
      // The stream closed without an error (the daemon restarting, a proxy timeout): re-read, then reconnect.
      await refresh().catch((err) => {
        if (!(err instanceof DaemonUnreachableError) && !isAbortError(err)) throw err
      })
      if (streaming && !isDone(session)) await delay(250, undefined, {signal: stop}).catch(() => {})
    }
  }
  return outcome()
}
