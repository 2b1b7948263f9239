import {AppError} from '../../src/core/errors.js'

/**
 * The AppError `run` refuses with (thrown, or rejected when it is async); fails the test when it
 * does not refuse, or refuses with anything else.
 */
export function refusalOf(run: () => Promise<unknown>): Promise<AppError>
export function refusalOf(run: () => unknown): AppError
export function refusalOf(run: () => unknown): AppError | Promise<AppError> {
  let result: unknown
  try {
    result = run()
  } catch (err) {
    return refused(err)
  }
  if (result instanceof Promise) {
    return result.then(() => {
      throw new Error('expected a refusal')
    }, refused)
  }
  throw new Error('expected a refusal')
}

function refused(err: unknown): AppError {
  if (err instanceof AppError) return err
  throw err
}
