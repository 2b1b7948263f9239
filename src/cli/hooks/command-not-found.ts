import {Errors, type Hook} from '@oclif/core'

import {renderFailure} from '../command-context.js'
import {commandNotFound} from './command-suggestions.js'
import {failureEnvelope} from '../output/envelope.js'
import {describeFailure, failureToJson} from '../failure.js'
import {writeErr} from '../output/output.js'

/**
 * oclif's own answer to an unknown command is a bare "command X not found". This one says what
 * was typed, suggests the closest commands (and says plainly that `auth login` does not exist
 * yet), in the same Error/Fix form and --json envelope as every other error, and exits 2.
 */
const hook: Hook<'command_not_found'> = async function ({id, argv, config}) {
  const ids = config.commands.filter((command) => !command.hidden).map((command) => command.id)
  const failure = describeFailure(commandNotFound(id, ids, config.bin))
  if (argv?.includes('--json')) process.stdout.write(`${JSON.stringify(failureEnvelope(failureToJson(failure)), null, 2)}\n`)
  else writeErr(renderFailure(failure))
  Errors.exit(failure.exitCode)
}

export default hook
