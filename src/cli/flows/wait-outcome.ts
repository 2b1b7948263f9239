import type {SessionDto} from '../../core/api/sessions.js'
import {EXIT} from '../exit-codes.js'
import {UserError} from '../errors.js'
import type {FollowOutcome} from './follow-session.js'

/**
 * Turns a --wait / --watch that did not reach its goal into the error the user sees. None of
 * these touched the session: the message says so and the fix says how to follow or end it.
 */
export function outcomeError(outcome: Exclude<FollowOutcome, {kind: 'reached'}>, goal: string, timeoutSeconds: number): UserError {
  const s: SessionDto = outcome.session
  const details = {session_id: s.id, status: s.status, failure_reason: s.failure_reason}
  const follow = `\`gpu-shopper sessions get ${s.id} --watch\``
  const release = `\`gpu-shopper done ${s.id}\``
  switch (outcome.kind) {
    case 'ended':
      if (s.status === 'failed') {
        return new UserError(`session ${s.id} failed: ${s.failure_reason ?? 'no reason given'}`, {
          errorType: 'session_failed',
          exitCode: EXIT.PROVIDER,
          fix: /stale|gone|unavailable|not available/i.test(s.failure_reason ?? '')
            ? 'The offer was taken before the instance started: pick another from `gpu-shopper inventory`.'
            : `See its events with \`gpu-shopper sessions get ${s.id}\`; pick another offer from \`gpu-shopper inventory\`.`,
          details,
        })
      }
      return new UserError(`session ${s.id} is ${s.status} and will not become ${goal}`, {errorType: 'conflict', exitCode: EXIT.CONFLICT, details})
    case 'timeout':
      return new UserError(`session ${s.id} is still ${s.status} after ${timeoutSeconds} s; it was not cancelled`, {
        errorType: 'timeout',
        exitCode: EXIT.TIMEOUT,
        fix: `Keep following it with ${follow}, or release it with ${release}.`,
        details,
      })
    case 'interrupted':
      return new UserError(`stopped waiting; session ${s.id} is ${s.status} and was left as it is`, {
        errorType: 'interrupted',
        exitCode: EXIT.INTERRUPTED,
        fix: `Keep following it with ${follow}; stop paying for it with ${release}.`,
        details,
      })
  }
}
