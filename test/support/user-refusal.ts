import {UserError} from '../../src/cli/errors.js'

/** The UserError a CLI check refuses with; fails the test when it does not refuse, or refuses with anything else. */
export function userRefusalOf(run: () => unknown): UserError {
  try {
    run()
  } catch (err) {
    if (err instanceof UserError) return err
    throw err
  }
  throw new Error('expected a UserError')
}
