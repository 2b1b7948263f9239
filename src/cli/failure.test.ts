import {describe, expect, it} from 'vitest'

import {AuthError, loginRequired} from '../client/auth/errors.js'
import {ApiError, DaemonStartError, DaemonUnreachableError} from '../client/errors.js'
import {EXIT, exitCodeFor} from './exit-codes.js'
import {UserError, flagError, withNothingHappened} from './errors.js'
import {describeFailure, failureToJson, flagForField, sayOnce, withFix} from './failure.js'

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
    // A flag given last without its value (`provision --offer-id`): oclif says so in a bare CLIError.
    expect(describeFailure(new Error('Flag --offer-id expects a value'))).toMatchObject({errorType: 'usage_error', exitCode: EXIT.USAGE, message: 'Flag --offer-id expects a value'})
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

describe('a refused token', () => {
  const refused = () => new ApiError({status: 401, errorType: 'unauthorized', message: 'the bearer token is wrong; the CLI reads the right one from the daemon state file (`gpu-shopper daemon token`)'})

  it('tells a user whose GPU_SHOPPER_TOKEN was refused to unset it or set the right one, not to stop the daemon', () => {
    const failure = describeFailure(refused(), {connection: {mode: 'remote', baseUrl: 'http://127.0.0.1:8080', tokenFromEnv: true}})
    expect(failure.exitCode).toBe(EXIT.AUTH)
    expect(failure.fix).toMatch(/^Unset GPU_SHOPPER_TOKEN/)
    expect(failure.fix).toContain('set GPU_SHOPPER_TOKEN to a valid token for http://127.0.0.1:8080')
    expect(failure.fix).not.toContain('daemon stop')
    // The daemon's hint names the command the fix already gives: said once
    expect(failure.message).toBe('the bearer token is wrong')
  })

  it('asks for a login when a server got no token, and restarts a local daemon whose state file is stale', () => {
    const remote = describeFailure(refused(), {connection: {mode: 'remote', baseUrl: 'https://team.example', tokenFromEnv: false}})
    expect(remote.fix).toMatch(/^Log in with `gpu-shopper auth login --server https:\/\/team\.example`, or set GPU_SHOPPER_TOKEN/)
    const local = describeFailure(refused(), {connection: {mode: 'local', baseUrl: 'http://127.0.0.1:8080', tokenFromEnv: false}})
    expect(local.fix).toContain('gpu-shopper daemon stop')
    expect(local.fix).not.toContain('GPU_SHOPPER_TOKEN')
  })

  it('tells a user whose stored login was refused to log in again, with the exact command', () => {
    const failure = describeFailure(refused(), {connection: {mode: 'remote', baseUrl: 'https://team.example', tokenFromEnv: false, tokenFromLogin: true}})
    expect(failure.exitCode).toBe(EXIT.AUTH)
    expect(failure.fix).toBe('The server refused your stored login: log in again with `gpu-shopper auth login --server https://team.example`.')
  })
})

describe('a login that cannot be renewed', () => {
  it('exits with the auth code and names the exact login command', () => {
    // Given a refresh token the IdP refused
    const failure = describeFailure(loginRequired('https://team.example', 'the identity provider refused the refresh token: invalid_grant'))

    // Then the user reads what happened and the one command that fixes it, no stack trace
    expect(failure).toMatchObject({errorType: 'login_required', exitCode: EXIT.AUTH, details: {server: 'https://team.example'}})
    expect(failure.message).toBe(
      'your login to https://team.example has expired or was revoked (the identity provider refused the refresh token: invalid_grant); nothing was sent to the server',
    )
    expect(failure.fix).toContain('`gpu-shopper auth login --server https://team.example`')
  })

  it('maps an IdP that does not answer to the unreachable code, and a solo daemon to a usage error', () => {
    const down = new AuthError('idp_unreachable', {server: 'https://team.example', message: 'down', fix: 'retry'})
    const solo = new AuthError('no_login_needed', {server: 'http://127.0.0.1:8080', message: 'solo', fix: 'none'})
    expect(describeFailure(down).exitCode).toBe(EXIT.UNREACHABLE)
    expect(describeFailure(solo).exitCode).toBe(EXIT.USAGE)
  })
})

describe('sayOnce', () => {
  it('cuts the daemon\'s hint when the fix gives the same command, and the fix\'s restatement of the error', () => {
    // Given the daemon's not-found message and a command's fix for it
    const said = sayOnce('session sess-x does not exist; run `gpu-shopper sessions` to list yours', 'No session sess-x. List yours with `gpu-shopper sessions`.')

    // Then each part is said once
    expect(said).toEqual({message: 'session sess-x does not exist', fix: 'List yours with `gpu-shopper sessions`.'})
  })

  it('keeps what the message says after the hint it cuts', () => {
    const said = sayOnce('offer vastai-4 is not in the inventory; run `gpu-shopper inventory` for current offers. No instance was created.', 'Pick a current offer from `gpu-shopper inventory`.')
    expect(said.message).toBe('offer vastai-4 is not in the inventory. No instance was created.')
  })

  it('keeps a clause that says something the fix does not, and a message with no fix', () => {
    const keyError = 'key_body: not an OpenSSH public key line; use ssh-ed25519 (`ssh-keygen -t ed25519`)'
    expect(sayOnce(keyError, 'Correct --key.').message).toBe(keyError)
    expect(sayOnce('a; run `x`', undefined)).toEqual({message: 'a; run `x`', fix: undefined})
    expect(sayOnce('offer gone', 'No offer is selected. Pick one.').fix).toBe('No offer is selected. Pick one.')
  })

  it('applies to every API error the CLI prints', () => {
    const err = withFix(new ApiError({status: 404, errorType: 'not_found', message: 'SSH key k1 is not registered; `gpu-shopper ssh-keys list` shows the registered ones.'}), {
      not_found: 'No SSH key k1. List them with `gpu-shopper ssh-keys list`.',
    })
    expect(describeFailure(err)).toMatchObject({message: 'SSH key k1 is not registered', fix: 'List them with `gpu-shopper ssh-keys list`.'})
  })
})

describe('validation errors', () => {
  it('name the flag the user typed, not the API field', () => {
    const failure = describeFailure(new ApiError({status: 400, errorType: 'validation_error', message: 'key_body: not an OpenSSH public key line', details: {field: 'key_body'}}))
    expect(failure.message).toBe('--key: not an OpenSSH public key line')
    expect(failure.fix).toContain('Correct --key;')
    expect(failure.fix).not.toContain('--key-body')
  })
})
