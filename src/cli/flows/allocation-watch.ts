import type {ApiClient} from '../../client/api-client.js'
import type {AllocationDto} from '../../core/api/allocations.js'
import {allocationEventLine, allocationStatusOf} from '../output/allocation-status.js'
import {EXIT} from '../exit-codes.js'
import {UserError} from '../errors.js'
import type {FollowOutcome} from './follow-session.js'
import {followRetryChain} from './follow-retries.js'

/**
 * `allocations get --watch`: follows the allocation's event stream (the session's: same entity)
 * until it settles, and on to the allocation that took its place if its host failed and
 * auto-retry moved it. Active and released end the watch normally; failed, the timeout and
 * Ctrl-C become errors. Never changes the allocation.
 */
export async function watchAllocation(
  client: ApiClient,
  id: string,
  options: {timeoutSeconds: number; signal: AbortSignal; narrate: (line: string) => void},
): Promise<AllocationDto> {
  const outcome = await followRetryChain(client, id, {
    until: ['running', 'stopped', 'preserved'],
    timeoutMs: options.timeoutSeconds * 1000,
    signal: options.signal,
    onEvent: (event) => options.narrate(allocationEventLine(event)),
    onStatus: (s) => options.narrate(`${s.id} is ${allocationStatusOf(s.status)}${s.failure_reason ? `: ${s.failure_reason}` : ''}`),
    onRetry: (failed, next) => options.narrate(`${failed.id} failed on its host; auto-retry goes on as allocation ${next}`),
  })
  if (outcome.kind === 'reached') return client.allocations.get(outcome.session.id, {signal: options.signal})
  throw allocationOutcomeError(outcome, options.timeoutSeconds)
}

/** A watch that did not settle, as the error the user sees; none of these touched the allocation. */
export function allocationOutcomeError(outcome: Exclude<FollowOutcome, {kind: 'reached'}>, timeoutSeconds: number): UserError {
  const s = outcome.session
  const status = allocationStatusOf(s.status)
  const details = {allocation_id: s.id, status, failure_reason: s.failure_reason}
  const follow = `\`gpu-shopper allocations get ${s.id} --watch\``
  const release = `\`gpu-shopper allocations release ${s.id}\``
  switch (outcome.kind) {
    case 'ended':
      if (s.status === 'failed') {
        return new UserError(`allocation ${s.id} failed: ${s.failure_reason ?? 'no reason given'}`, {
          errorType: 'allocation_failed',
          exitCode: EXIT.PROVIDER,
          fix: 'Create it again with a new --idempotency-key (the daemon picks another offer), or try another SKU or region from `gpu-shopper catalog list`.',
          details,
        })
      }
      return new UserError(`allocation ${s.id} is ${status} and will not become active`, {errorType: 'conflict', exitCode: EXIT.CONFLICT, details})
    case 'timeout':
      return new UserError(`allocation ${s.id} is still ${status} after ${timeoutSeconds} s; it was not cancelled`, {
        errorType: 'timeout',
        exitCode: EXIT.TIMEOUT,
        fix: `Keep following it with ${follow}, or release it with ${release}.`,
        details,
      })
    case 'interrupted':
      return new UserError(`stopped watching; allocation ${s.id} is ${status} and was left as it is`, {
        errorType: 'interrupted',
        exitCode: EXIT.INTERRUPTED,
        fix: `Keep following it with ${follow}; stop paying for it with ${release}.`,
        details,
      })
  }
}
