import {describe, expect, it} from 'vitest'

import {ApiError, DaemonStartError, DaemonUnreachableError} from '../client/errors.js'
import {EXIT, exitCodeFor} from './exit-codes.js'
import {UserError, flagError, withNothingHappened} from './errors.js'
import {describeFailure, failureToJson, flagForField, withFix} from './failure.js'

const apiError = (status: number, errorType: string, extra: Record<string, unknown> = {}) =>
  new ApiError({status, errorType, message: `${errorType} happened`, requestId: 'req-1', details: extra})

describe('exit codes', () => {
  it.each([
    ['validation_error', 400, EXIT.USAGE],
    ['unauthorized', 401, EXIT.AUTH],
    ['insufficient_balance', 402, EXIT.BUDGET],
    ['not_found', 404, EXIT.NOT_FOUND],
    ['conflict', 409, EXIT.CONFLICT],
    ['sku_unavailable', 409, EXIT.CONFLICT],
    ['rate_limit_exceeded', 429, EXIT.PROVIDER],
    ['internal_error', 500, EXIT.INTERNAL],
    ['provider_error', 502, EXIT.PROVIDER],
    ['stale_inventory', 503, EXIT.PROVIDER],
    ['service_unavailable', 503, EXIT.UNREACHABLE],
  ])('maps %s (%i) to %i', (type, status, code) => {
    expect(exitCodeFor(type, status)).toBe(code)
    expect(describeFailure(apiError(status, type)).exitCode).toBe(code)
  })

  it('falls back to the HTTP status for an error type it does not know', () => {
    expect(exitCodeFor('teapot', 418)).toBe(EXIT.USAGE)
    expect(exitCodeFor('gateway_timeout', 504)).toBe(EXIT.PROVIDER)
    expect(exitCodeFor('weird')).toBe(EXIT.INTERNAL)
  })
})

describe('describeFailure', () => {
  it('keeps the request id and gives each API error a fix', () => {
    const failure = describeFailure(apiError(503, 'stale_inventory', {retry_suggested: true}))
    expect(failure).toMatchObject({errorType: 'stale_inventory', requestId: 'req-1'})
    expect(failure.fix).toContain('gpu-shopper inventory')
    expect(failureToJson(failure)).toMatchObject({message: 'stale_inventory happened', error_type: 'stale_inventory', request_id: 'req-1', exit_code: EXIT.PROVIDER, retry_suggested: true})
  })

  it('names the flag behind an API field in a validation fix', () => {
    expect(describeFailure(apiError(400, 'validation_error', {field: 'reservation_hours'})).fix).toContain('--hours')
    expect(flagForField('idle_threshold_minutes')).toBe('--idle-threshold')
    expect(flagForField('gpu_type')).toBe('--gpu-type')
  })

  it('answers a budget refusal with exit 7 and `budgets set` for that consumer', () => {
    // Given the daemon's 402 for a create past the budget
    const failure = describeFailure(apiError(402, 'insufficient_balance', {consumer_id: 'tiny', remaining_micro_usd: 10_000, requested_micro_usd: 4_200_000}))

    // Then the exit code is the budget one and the fix names the command and the consumer
    expect(failure.exitCode).toBe(EXIT.BUDGET)
    expect(failure.fix).toContain('gpu-shopper budgets set --consumer-id tiny --monthly-limit USD')
    expect(failureToJson(failure)).toMatchObject({error_type: 'insufficient_balance', consumer_id: 'tiny', remaining_micro_usd: 10_000})
  })

  it('lets a command replace the generic fix for one error type', () => {
    const err = withFix(apiError(404, 'not_found'), {not_found: 'No session s1.'})
    expect(describeFailure(err).fix).toBe('No session s1.')
  })

  it('maps an unreachable daemon to exit 5 with its fix', () => {
    const err = new DaemonUnreachableError({url: 'http://127.0.0.1:8080', reason: 'refused', message: 'not running', fix: 'start it', maybeDelivered: false})
    expect(describeFailure(err)).toMatchObject({errorType: 'daemon_unreachable', exitCode: EXIT.UNREACHABLE, fix: 'start it'})
  })

  it('shows the log tail of a daemon that failed to start', () => {
    const err = new DaemonStartError({message: 'exited', logFile: '/x/daemon.log', logTail: ['{"msg":"EADDRINUSE"}'], fix: 'use --port 0'})
    const failure = describeFailure(err)
    expect(failure.exitCode).toBe(EXIT.UNREACHABLE)
    expect(failure.message).toContain('EADDRINUSE')
    expect(failure.message).toContain('/x/daemon.log')
  })

  it('treats oclif parse errors as usage errors and names the flag', () => {
    const parseError = Object.assign(new Error('Parsing --hours \n\tExpected an integer but received: abc\nSee more help with --help'), {parse: {}})
    expect(describeFailure(parseError)).toMatchObject({errorType: 'usage_error', exitCode: EXIT.USAGE, message: '--hours: Expected an integer but received: abc'})
  })

  it('turns anything else into an internal error without a stack trace in the message', () => {
    const failure = describeFailure(new TypeError('x is undefined'))
    expect(failure).toMatchObject({errorType: 'internal_error', exitCode: EXIT.INTERNAL})
    expect(failure.message).not.toContain('    at ')
  })

  it('passes user errors through with their flag, fix and details', () => {
    const failure = describeFailure(flagError('hours', 'must be between 1 and 12 (got 13)', 'extend later'))
    expect(failure).toMatchObject({message: '--hours must be between 1 and 12 (got 13)', exitCode: EXIT.USAGE, fix: 'extend later'})
    const withDetails = describeFailure(new UserError('failed', {errorType: 'session_failed', exitCode: EXIT.PROVIDER, details: {session_id: 's1'}}))
    expect(failureToJson(withDetails)).toMatchObject({session_id: 's1', error_type: 'session_failed', exit_code: EXIT.PROVIDER})
  })
})

describe('withNothingHappened', () => {
  it('adds what did not happen once', () => {
    expect(withNothingHappened('offer gone.', 'No instance was created.')).toBe('offer gone. No instance was created.')
    expect(withNothingHappened('offer gone; no instance was created', 'No instance was created.')).toBe('offer gone; no instance was created')
    // The daemon's budget refusal already says "Nothing was created"
    const budget = 'would cost $0.37 but only $0.01 is left. Nothing was created; raise the budget.'
    expect(withNothingHappened(budget, 'No instance was created.')).toBe(budget)
    expect(withNothingHappened('nothing was destroyed', 'No instance was created.')).toBe('nothing was destroyed. No instance was created.')
  })
})
