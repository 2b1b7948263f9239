import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {Ajv2020, type ErrorObject, type ValidateFunction} from 'ajv/dist/2020.js'

import {SCHEMAS_DIR, commandSchemaFile} from '../../scripts/json-schemas.js'

export interface JsonContract {
  /**
   * Holds a command's `--json` output to the checked-in schemas: the envelope to
   * schemas/envelope.json and, on success, its data to the command's own file. Throws naming
   * the command, the file and every mismatch.
   */
  check(commandId: string, envelope: unknown): void
  /** Bare `--output json`: the data alone, to the command's file. */
  checkData(commandId: string, data: unknown): void
}

/**
 * The checked-in JSON Schemas read by a standard JSON Schema validator, as a user's script
 * would read them: so it is the published files that the output must follow, not the zod
 * schemas they were generated from.
 */
export function jsonContract(): JsonContract {
  const ajv = new Ajv2020({allErrors: true, strict: true})
  const validators = new Map<string, ValidateFunction>()
  const validatorOf = (file: string) => {
    let validate = validators.get(file)
    if (!validate) {
      validate = ajv.compile(JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')) as object)
      validators.set(file, validate)
    }
    return validate
  }
  const follow = (file: string, value: unknown, what: string) => {
    const validate = validatorOf(file)
    if (!validate(value)) {
      throw new Error(`${what} does not follow schemas/${file}:\n${describeErrors(validate.errors ?? [])}\n${what}: ${JSON.stringify(value, null, 2).slice(0, 4000)}`)
    }
  }
  const command = (commandId: string) => `\`gpu-shopper ${commandId.replaceAll(':', ' ')} --json\``
  const checkData = (commandId: string, data: unknown) => follow(commandSchemaFile(commandId), data, `the data of ${command(commandId)}`)
  return {
    check(commandId, envelope) {
      follow('envelope.json', envelope, `the envelope of ${command(commandId)}`)
      if ((envelope as {ok: boolean}).ok) checkData(commandId, (envelope as {data: unknown}).data)
    },
    checkData,
  }
}

function describeErrors(errors: ErrorObject[]): string {
  return errors.map((e) => `  ${e.instancePath || '(the whole document)'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`).join('\n')
}
