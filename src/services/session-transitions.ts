import {canTransition, type SessionStatus} from '../core/session-status.js'
import type {SessionPatch, StoredSession} from '../store/sessions-repo.js'
import type {SessionEvent} from '../store/session-events-repo.js'
import type {ServiceContext} from './context.js'

export interface TransitionNote {
  actor: string
  message: string
}

/**
 * Moves a session from `from` to `to` with its event row in one transaction. Returns false
 * (and writes nothing) when the session is no longer in `from`: another worker got there first.
 */
export async function transitionSession(
  ctx: ServiceContext,
  session: StoredSession,
  to: SessionStatus,
  patch: SessionPatch,
  note: TransitionNote,
): Promise<boolean> {
  if (!canTransition(session.status, to)) {
    throw new Error(`illegal session transition ${session.status} → ${to} for ${session.id}`)
  }
  const now = ctx.clock.now()
  const event = await ctx.store.transaction(async (): Promise<SessionEvent | null> => {
    if (!(await ctx.store.sessions.update(session.id, session.status, {...patch, status: to}, now))) return null
    return ctx.store.events.append({
      sessionId: session.id,
      at: now,
      type: 'status',
      fromStatus: session.status,
      toStatus: to,
      actor: note.actor,
      message: note.message,
    })
  })
  if (!event) return false
  ctx.events.publish(event)
  return true
}

/** A progress or safety note that does not change the status. */
export async function recordSessionEvent(ctx: ServiceContext, sessionId: string, type: string, note: TransitionNote): Promise<void> {
  const event = await ctx.store.events.append({
    sessionId,
    at: ctx.clock.now(),
    type,
    fromStatus: null,
    toStatus: null,
    actor: note.actor,
    message: note.message,
  })
  ctx.events.publish(event)
}
