import type {ApiClient} from '../../client/api-client.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {followSession, type FollowOptions, type FollowOutcome} from './follow-session.js'

/**
 * Follows a session and, when its host failed and auto-retry put another session in its place
 * (`retried_as`), that one, until one reaches a wanted status, the chain ends, or the deadline
 * (shared by the whole chain) passes. `onRetry` is told each hand-over.
 */
export async function followRetryChain(
  client: ApiClient,
  sessionId: string,
  options: FollowOptions & {onRetry?: (failed: SessionDto, next: string) => void},
): Promise<FollowOutcome> {
  const deadline = Date.now() + options.timeoutMs
  let id = sessionId
  for (;;) {
    const outcome = await followSession(client, id, {...options, timeoutMs: Math.max(1, deadline - Date.now())})
    const next = outcome.kind === 'ended' && outcome.session.status === 'failed' ? outcome.session.retried_as : null
    if (!next) return outcome
    options.onRetry?.(outcome.session, next)
    id = next
  }
}
