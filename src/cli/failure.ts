import {AuthError, loginCommand} from '../client/auth/errors.js'
import {ApiError, DaemonStartError, DaemonUnreachableError, isAbortError} from '../client/errors.js'
import type {ErrorObject} from './output/envelope.js'
import {EXIT, type ExitCode, exitCodeFor} from './exit-codes.js'
import {UserError} from './errors.js'
import {plural} from './output/format.js'

/** Any error, reduced to what the user sees: a message, the fix, and the exit code. */
export interface Failure {
  message: string
  errorType: string
  exitCode: ExitCode
  requestId?: string
  fix?: string
  details: Record<string, unknown>
}

/** API field names that differ from the flag a user typed. */
const FLAG_FOR_FIELD: Record<string, string> = {
  reservation_hours: 'hours',
  additional_hours: 'hours',
  idle_threshold_minutes: 'idle-threshold',
  min_vram: 'min-vram',
  gpus_total: 'gpus',
  region_code: 'region',
  ssh_key_ids: 'ssh-key-id',
  gpu_type: 'gpu-type',
  key_body: 'key',
}

export function flagForField(field: string): string {
  return `--${FLAG_FOR_FIELD[field] ?? field.replaceAll('_', '-')}`
}

/** Where the failed request went, so a refused token gets the fix that applies to it. */
export interface FailureContext {
  connection?: {
    mode: 'local' | 'remote'
    baseUrl: string
    /** A remote connection sent the token of GPU_SHOPPER_TOKEN (a local one sends the state file's). */
    tokenFromEnv: boolean
    /** A remote connection sent the token of a stored `auth login`. */
    tokenFromLogin?: boolean
  }
}

function fixForUnauthorized(context: FailureContext): string {
  const connection = context.connection
  if (connection?.mode === 'local') {
    return 'The daemon no longer accepts the token in its state file: run `gpu-shopper daemon stop` and retry (the next command starts it with a fresh token).'
  }
  if (connection?.tokenFromEnv) {
    return `Unset GPU_SHOPPER_TOKEN (and --server / GPU_SHOPPER_SERVER) to use your local daemon, which needs no token; or set GPU_SHOPPER_TOKEN to a valid token for ${connection.baseUrl} (\`gpu-shopper daemon token\` prints a local daemon's).`
  }
  if (connection?.tokenFromLogin) {
    return `The server refused your stored login: log in again with \`${loginCommand(connection.baseUrl)}\`.`
  }
  if (connection) {
    return `Log in with \`${loginCommand(connection.baseUrl)}\`, or set GPU_SHOPPER_TOKEN to an access token for it (a local daemon prints its own with \`gpu-shopper daemon token\`).`
  }
  return 'Local daemon: run `gpu-shopper daemon stop` and retry (the next command restarts it with a fresh token). Team server: set GPU_SHOPPER_TOKEN to a valid access token, or unset it.'
}

function fixForApiError(err: ApiError, context: FailureContext): string | undefined {
  const field = typeof err.details.field === 'string' ? err.details.field : undefined
  switch (err.errorType) {
    case 'validation_error':
      return field ? `Correct ${flagForField(field)}; \`--help\` lists the accepted values.` : 'Correct the flag named above; `--help` lists the accepted values.'
    case 'unauthorized':
      return fixForUnauthorized(context)
    case 'forbidden':
      return 'Your token lacks the permission for this; ask the server\'s admin.'
    case 'not_found':
      return 'List what exists with `gpu-shopper sessions` or `gpu-shopper inventory`.'
    case 'conflict':
      return 'Check the current state with `gpu-shopper sessions get <id>`; a reused --idempotency-key needs the same flags as its first use.'
    case 'sku_unavailable':
      return 'Nothing on the market matches that spec right now: try another SKU or region, fewer GPUs, or a higher --max-price. `gpu-shopper catalog list` shows what is for sale.'
    case 'stale_inventory':
      return 'The offer is gone at the provider: pick a current one from `gpu-shopper inventory` and retry.'
    case 'insufficient_balance': {
      const consumer = typeof err.details.consumer_id === 'string' ? err.details.consumer_id : 'CONSUMER'
      return `Raise the budget with \`gpu-shopper budgets set --consumer-id ${consumer} --monthly-limit USD\` (see it with \`gpu-shopper budgets show --consumer-id ${consumer}\`), or choose a cheaper offer or fewer --hours.`
    }
    case 'rate_limit_exceeded':
      return `Wait ${err.retryAfterSeconds === null ? 'a few seconds' : plural(err.retryAfterSeconds, 'second')} and retry.`
    case 'provider_error':
      return 'The marketplace failed; retry in a minute, and see `gpu-shopper daemon status` for provider health.'
    case 'service_unavailable':
      return 'The daemon is starting or overloaded; retry in a few seconds.'
    case 'internal_error':
      return `This is a bug in the daemon; \`gpu-shopper daemon logs\` shows the details${err.requestId ? ` (request ${err.requestId})` : ''}.`
    default:
      return undefined
  }
}

/** oclif's flag and argument parse errors carry the parse input; they are usage errors. */
function isParseError(err: unknown): err is Error & {parse?: unknown} {
  return err instanceof Error && ('parse' in err || /^(Missing required|Nonexistent flag|Unexpected argument|Expected|Parsing --|Flag --[\w-]+ expects a value)/.test(err.message))
}

/**
 * The daemon's messages end with a hint for curl users ("…; run `gpu-shopper sessions` to list
 * yours") and a command's fix often opens by restating the error ("No session X."). The CLI
 * prints both, one under the other, so each thing is said once: a message clause whose commands
 * the fix names too is cut, and so is a fix's opening "No <thing> <id>." when the message names
 * that id.
 */
export function sayOnce(message: string, fix: string | undefined): {message: string; fix: string | undefined} {
  if (!fix) return {message, fix}
  let said = message
  // Sentences after the hint ("… for current offers. No instance was created.") are kept.
  let after = ''
  const clauses = message.split(/;\s+/)
  while (clauses.length > 1) {
    const [hint, ...rest] = clauses.at(-1)!.split(/(?<=\.)\s+(?=[A-Z])/)
    const commands = [...hint!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)
    if (commands.length === 0 || !commands.every((command) => fix.includes(command))) break
    clauses.pop()
    after = [...rest, after].filter(Boolean).join(' ')
    said = clauses.join('; ') + (after ? `. ${after}` : '')
  }
  const restated = /^No [\w -]+? (\S+)\.\s+(\S)/.exec(fix)
  const rest = restated && said.includes(restated[1]!) ? restated[2]!.toUpperCase() + fix.slice(restated[0].length) : fix
  return {message: said, fix: rest}
}

/** "key_body: not a key" → "--key: not a key": the message names the flag the user typed. */
function withFlagName(message: string, field: string | undefined): string {
  if (!field || !(message.startsWith(`${field}:`) || message.startsWith(`${field} `))) return message
  return flagForField(field) + message.slice(field.length)
}

export function describeFailure(err: unknown, context: FailureContext = {}): Failure {
  if (err instanceof UserError) {
    return {message: err.message, errorType: err.errorType, exitCode: err.exitCode, fix: err.fix, requestId: err.requestId, details: err.details}
  }
  if (err instanceof ApiError) {
    const field = typeof err.details.field === 'string' ? err.details.field : undefined
    const said = sayOnce(withFlagName(err.message, field), err.fix ?? fixForApiError(err, context))
    const details: Record<string, unknown> = {status: err.status, ...err.details}
    return {message: said.message, errorType: err.errorType, exitCode: exitCodeFor(err.errorType, err.status), requestId: err.requestId ?? undefined, fix: said.fix, details}
  }
  if (err instanceof AuthError) {
    const exitCode = err.kind === 'idp_unreachable' ? EXIT.UNREACHABLE : err.kind === 'no_login_needed' ? EXIT.USAGE : EXIT.AUTH
    return {message: err.message, errorType: err.kind, exitCode, fix: err.fix, details: {server: err.server}}
  }
  if (err instanceof DaemonUnreachableError) {
    return {message: err.message, errorType: 'daemon_unreachable', exitCode: EXIT.UNREACHABLE, fix: err.fix, details: {url: err.url, reason: err.reason}}
  }
  if (err instanceof DaemonStartError) {
    const tail = err.logTail.length ? `\nLast lines of ${err.logFile}:\n${err.logTail.map((l) => `  ${l}`).join('\n')}` : ''
    return {message: err.message + tail, errorType: 'daemon_start_failed', exitCode: EXIT.UNREACHABLE, fix: err.fix, details: {log_file: err.logFile, log_tail: err.logTail}}
  }
  if (isAbortError(err)) {
    return {message: 'interrupted', errorType: 'interrupted', exitCode: EXIT.INTERRUPTED, details: {}}
  }
  if (isParseError(err)) {
    const message = err.message
      .replace(/\s*See more help with --help\s*$/, '')
      .replace(/^Parsing (--[\w-]+)\s*\n\s*/, '$1: ')
      .trim()
    return {message, errorType: 'usage_error', exitCode: EXIT.USAGE, fix: 'See the accepted flags with `--help`.', details: {}}
  }
  const message = err instanceof Error ? err.message : String(err)
  return {message: `unexpected error: ${message}`, errorType: 'internal_error', exitCode: EXIT.INTERNAL, fix: 'Re-run with DEBUG=* to see the stack trace, and report it.', details: {}}
}

export function failureToJson(failure: Failure): ErrorObject {
  const object: ErrorObject = {...failure.details, message: failure.message, error_type: failure.errorType, exit_code: failure.exitCode}
  if (failure.requestId) object.request_id = failure.requestId
  if (failure.fix) object.fix = failure.fix
  return object
}

/** Lets a command give a better fix for one error type than the generic one (e.g. not_found of a session id). */
export function withFix(err: unknown, fixes: Partial<Record<string, string>>): unknown {
  if (err instanceof ApiError && fixes[err.errorType]) err.fix = fixes[err.errorType]
  return err
}
