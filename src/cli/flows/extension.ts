import {ApiError} from '../../client/errors.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {hoursLeftToExtend} from '../../core/reservation.js'
import {MAX_RESERVATION_HOURS, MIN_RESERVATION_HOURS} from '../../core/limits.js'
import {isTerminal} from '../../core/session-status.js'

/** Where an extension is asked for: the CLI names the command to run, the TUI the key to press. */
export type ExtendSurface = 'cli' | 'tui'

/** Whether a session can still be extended (not stopping or ended), as the daemon decides it. */
export function canExtend(session: Pick<SessionDto, 'status'>): boolean {
  return !isTerminal(session.status) && session.status !== 'stopping'
}

/** The most hours one extension of this session can add now (0: its 12 hours are reserved). */
export function extendableHours(session: Pick<SessionDto, 'expires_at' | 'started_at' | 'created_at' | 'hard_max_override'>): number {
  return hoursLeftToExtend(Date.parse(session.expires_at), Date.parse(session.started_at ?? session.created_at), session.hard_max_override)
}

/** The TUI's question, with the range this session really has left. */
export function extendPrompt(sessionId: string, most: number): string {
  return most === 1 ? `Extend ${sessionId} by how many hours (1: all that is left of ${MAX_RESERVATION_HOURS})` : `Extend ${sessionId} by how many hours (${MIN_RESERVATION_HOURS}-${most})`
}

/** Why a session cannot be extended at all, or null when it can. */
export function notExtendableReason(session: Pick<SessionDto, 'id' | 'status' | 'expires_at' | 'started_at' | 'created_at' | 'hard_max_override'>): string | null {
  if (!canExtend(session)) return `${session.id} is ${session.status}: only a pending, provisioning or running session can be extended.`
  if (extendableHours(session) === 0) return `${session.id} already has the ${MAX_RESERVATION_HOURS}-hour maximum reserved: no hours can be added.`
  return null
}

/**
 * The fix for a refused extension, by what the daemon said: past the maximum names the hours
 * that can still be added (never the idempotency hint that other conflicts get), an ended
 * session says to rent a new one.
 */
export function extendFix(err: unknown, sessionId: string, surface: ExtendSurface): string | undefined {
  if (!(err instanceof ApiError)) return undefined
  const left = err.details.max_additional_hours
  switch (err.errorType) {
    case 'conflict':
      if (typeof left === 'number') {
        if (left === 0) return `It already has the ${MAX_RESERVATION_HOURS}-hour maximum reserved; rent a new session when this one ends.`
        return surface === 'cli'
          ? `Add at most ${left} h: \`gpu-shopper extend ${sessionId} --hours ${left}\`.`
          : `Add at most ${left} h: press e and enter ${left === 1 ? '1' : `${MIN_RESERVATION_HOURS}-${left}`}.`
      }
      return surface === 'cli'
        ? `Only a live session can be extended; check it with \`gpu-shopper sessions get ${sessionId}\`, or rent a new one with \`gpu-shopper provision\`.`
        : 'Only a live session can be extended; rent a new one from the inventory (1, then p).'
    case 'validation_error':
      return surface === 'cli' ? `Give --hours a whole number from ${MIN_RESERVATION_HOURS} to ${MAX_RESERVATION_HOURS}.` : `Enter a whole number from ${MIN_RESERVATION_HOURS} to ${MAX_RESERVATION_HOURS}.`
    case 'not_found':
      return surface === 'cli' ? `No session ${sessionId}. List yours with \`gpu-shopper sessions\`.` : `No session ${sessionId} any more.`
    default:
      return undefined
  }
}

/** `err` with the extension's fix attached (see `extendFix`), for the failure renderer. */
export function withExtendFix(err: unknown, sessionId: string, surface: ExtendSurface): unknown {
  const fix = extendFix(err, sessionId, surface)
  if (fix && err instanceof ApiError) err.fix = fix
  return err
}
