import {describeFailure} from '../../src/cli/failure.js'

/** An error as one line for the dashboard: what happened and the fix, never a stack trace. */
export function errorText(err: unknown): string {
  const failure = describeFailure(err)
  if (!failure.fix) return failure.message
  return `${failure.message.replace(/[.\s]+$/, '')}. ${failure.fix}`
}
