import {existsSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {KEY_DELETED_EVENT} from '../core/api/sessions.js'
import {canTransition, isTerminal, type SessionStatus} from '../core/session-status.js'
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
export function transitionSession(
  ctx: ServiceContext,
  session: StoredSession,
  to: SessionStatus,
  patch: SessionPatch,
  note: TransitionNote,
): boolean {
  if (!canTransition(session.status, to)) {
    throw new Error(`illegal session transition ${session.status} → ${to} for ${session.id}`)
  }
  const now = ctx.clock.now()
  let event: SessionEvent | null = null
  const moved = ctx.store.transaction(() => {
    if (!ctx.store.sessions.update(session.id, session.status, {...patch, status: to}, now)) return false
    event = ctx.store.events.append({
      sessionId: session.id,
      at: now,
      type: 'status',
      fromStatus: session.status,
      toStatus: to,
      actor: note.actor,
      message: note.message,
    })
    return true
  })
  if (event) ctx.events.publish(event)
  if (moved && isTerminal(to)) forgetLocalSessionKey(ctx, session.id)
  return moved
}

/** A session's private key is useless once it ended: remove the CLI's copy (never anything else). */
function forgetLocalSessionKey(ctx: ServiceContext, sessionId: string): void {
  if (!ctx.localKeysDir || !/^sess-[0-9a-f]+$/.test(sessionId)) return
  const privateKey = join(ctx.localKeysDir, sessionId)
  const had = existsSync(privateKey)
  for (const file of [privateKey, `${privateKey}.pub`]) rmSync(file, {force: true})
  // So `sessions get` can say the key was deleted here, not that it never was on this machine.
  if (had) recordSessionEvent(ctx, sessionId, KEY_DELETED_EVENT, {actor: 'daemon', message: "the session's private key was deleted from this machine"})
}

/** A progress or safety note that does not change the status. */
export function recordSessionEvent(ctx: ServiceContext, sessionId: string, type: string, note: TransitionNote): void {
  const event = ctx.store.events.append({
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
