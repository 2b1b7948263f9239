import type {ApiClient} from '../../client/api-client.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {followSession} from './follow-session.js'
import {eventLine} from '../output/session-summary.js'
import {outcomeError} from './wait-outcome.js'

/**
 * `--watch`: narrate a session's changes until it runs or ends. Running and stopped are
 * successes; failed, a timeout and Ctrl-C become errors with their exit codes.
 */
export async function watchSession(
  client: ApiClient,
  sessionId: string,
  options: {timeoutSeconds: number; signal: AbortSignal; narrate: (line: string) => void},
): Promise<SessionDto> {
  const outcome = await followSession(client, sessionId, {
    until: ['running', 'stopped', 'preserved'],
    timeoutMs: options.timeoutSeconds * 1000,
    signal: options.signal,
    onEvent: (event) => options.narrate(eventLine(event)),
    onStatus: (session) => options.narrate(`${session.id} is ${session.status}${session.failure_reason ? `: ${session.failure_reason}` : ''}`),
  })
  if (outcome.kind === 'reached') return outcome.session
  throw outcomeError(outcome, 'running', options.timeoutSeconds)
}
