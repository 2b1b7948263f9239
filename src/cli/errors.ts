import {type ExitCode, EXIT} from './exit-codes.js'

/**
 * An error written for the user: what went wrong (naming the flag), what did not happen where
 * that matters ("no instance was created"), and the fix. Never shown with a stack trace.
 */
export class UserError extends Error {
  readonly errorType: string
  readonly exitCode: ExitCode
  readonly fix: string | undefined
  /** Extra fields for the --json error object (e.g. `session_id`). */
  readonly details: Record<string, unknown>
  readonly requestId: string | undefined

  constructor(
    message: string,
    options: {errorType?: string; exitCode?: ExitCode; fix?: string; details?: Record<string, unknown>; requestId?: string} = {},
  ) {
    super(message)
    this.name = 'UserError'
    this.errorType = options.errorType ?? 'usage_error'
    this.exitCode = options.exitCode ?? EXIT.USAGE
    this.fix = options.fix
    this.details = options.details ?? {}
    this.requestId = options.requestId
  }
}

/** A flag value the CLI refuses before calling anything. */
export function flagError(flag: string, problem: string, fix?: string): UserError {
  return new UserError(`--${flag} ${problem}`, {errorType: 'usage_error', exitCode: EXIT.USAGE, fix})
}

/** What a refused create of a session or allocation did not do; the rental flows say it the same way. */
export const NO_INSTANCE_CREATED = 'No instance was created.'

/** Appends what did not happen, once, whatever the server already said ("Nothing was created" counts). */
export function withNothingHappened(message: string, what: string): string {
  if (message.toLowerCase().includes(what.toLowerCase().replace(/\.$/, ''))) return message
  const participle = /\bwas (\w+)\.?$/.exec(what)?.[1]
  if (participle && new RegExp(`\\bnothing was ${participle}\\b`, 'i').test(message)) return message
  return `${message.replace(/[.\s]+$/, '')}. ${what}`
}
