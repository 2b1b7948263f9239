import {AppError} from '../../src/core/errors.js'

/** The AppError `run` refuses with; fails the test when it does not refuse, or throws anything else. */
export function refusalOf(run: () => unknown): AppError {
  try {
    run()
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  throw new Error('expected a refusal')
}
