import {readFile} from 'node:fs/promises'

import type {ApiClient} from '../../client/api-client.js'
import {ApiError} from '../../client/errors.js'
import type {SshKeyDto} from '../../core/api/ssh-keys.js'
import {EXIT} from '../exit-codes.js'
import {UserError, flagError, withNothingHappened} from '../errors.js'
import {withFix} from '../failure.js'

/** A public key line, and the flag it came from (errors about it name that flag). */
export interface PublicKeyInput {
  body: string
  /** `--key`, or `--key-file <path>`. */
  source: string
}

/** The public key line from `--key` or `--key-file`: exactly one of them. */
export async function readPublicKeyInput(flags: {key?: string; 'key-file'?: string}): Promise<PublicKeyInput> {
  if (flags.key !== undefined && flags['key-file'] !== undefined) throw flagError('key', 'and --key-file cannot be used together', 'Give one of them.')
  if (flags['key-file'] !== undefined) {
    const file = flags['key-file']
    // A private key file given by mistake must never be sent anywhere.
    if (!file.endsWith('.pub')) {
      const peek = await readFile(file, 'utf8').catch(() => '')
      if (peek.includes('PRIVATE KEY')) throw flagError('key-file', `${file} is a private key`, `Give the public half instead, e.g. --key-file ${file}.pub`)
    }
    try {
      return {body: (await readFile(file, 'utf8')).trim(), source: `--key-file ${file}`}
    } catch (err) {
      throw flagError('key-file', `cannot be read: ${(err as Error).message}`, 'Give the path of an OpenSSH public key, e.g. ~/.ssh/id_ed25519.pub')
    }
  }
  if (flags.key !== undefined && flags.key.trim() !== '') {
    if (flags.key.includes('PRIVATE KEY')) throw flagError('key', 'is a private key', 'Give the public key line, e.g. --key "$(cat ~/.ssh/id_ed25519.pub)"')
    return {body: flags.key.trim(), source: '--key'}
  }
  throw flagError('key', 'or --key-file is required', 'e.g. --key "$(cat ~/.ssh/id_ed25519.pub)" or --key-file ~/.ssh/id_ed25519.pub')
}

/** Registers a public key; a key registered already is a conflict naming the id to use. */
export async function addSshKey(client: ApiClient, title: string, key: PublicKeyInput): Promise<SshKeyDto> {
  try {
    return await client.sshKeys.add({title, key_body: key.body})
  } catch (err) {
    if (err instanceof ApiError && err.status === 409 && typeof err.details.existing_id === 'string') {
      const existing = err.details.existing_id
      throw new UserError(`This key is already registered as ${existing}. Nothing was added.`, {
        errorType: 'conflict',
        exitCode: EXIT.CONFLICT,
        fix: `Use --ssh-key-id ${existing}, or remove it first with \`gpu-shopper ssh-keys remove ${existing}\`.`,
        details: {existing_id: existing},
      })
    }
    // The API names its field (key_body); the user typed --key or --key-file.
    if (err instanceof ApiError && err.errorType === 'validation_error' && err.details.field === 'key_body') {
      const problem = err.message.replace(/^key_body:\s*/, '')
      const fix = key.source === '--key'
        ? 'Pass the whole line of a .pub file, e.g. --key "$(cat ~/.ssh/id_ed25519.pub)", or the file itself with --key-file ~/.ssh/id_ed25519.pub.'
        : 'Give --key-file the public half of a key pair, e.g. --key-file ~/.ssh/id_ed25519.pub (`ssh-keygen -t ed25519` makes one).'
      throw new UserError(withNothingHappened(`${key.source}: ${problem}`, 'Nothing was registered.'), {
        errorType: 'validation_error',
        exitCode: EXIT.USAGE,
        fix,
        details: {field: key.source.split(' ')[0]!.slice(2)},
        requestId: err.requestId ?? undefined,
      })
    }
    throw err
  }
}

export async function removeSshKey(client: ApiClient, id: string): Promise<{message: string; id: string}> {
  try {
    return (await client.sshKeys.remove(id)) as {message: string; id: string}
  } catch (err) {
    throw withFix(err, {not_found: `No SSH key ${id}. List them with \`gpu-shopper ssh-keys list\`.`})
  }
}
