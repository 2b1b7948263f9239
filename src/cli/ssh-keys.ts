import {readFile} from 'node:fs/promises'

import type {ApiClient} from '../client/api-client.js'
import {ApiError} from '../client/errors.js'
import type {SshKeyDto} from '../core/api/ssh-keys.js'
import {EXIT} from './exit-codes.js'
import {UserError, flagError} from './errors.js'
import {withFix} from './failure.js'

/** The public key line from `--key` or `--key-file`: exactly one of them. */
export async function readPublicKeyInput(flags: {key?: string; 'key-file'?: string}): Promise<string> {
  if (flags.key !== undefined && flags['key-file'] !== undefined) throw flagError('key', 'and --key-file cannot be used together', 'Give one of them.')
  if (flags['key-file'] !== undefined) {
    const file = flags['key-file']
    // A private key file given by mistake must never be sent anywhere.
    if (!file.endsWith('.pub')) {
      const peek = await readFile(file, 'utf8').catch(() => '')
      if (peek.includes('PRIVATE KEY')) throw flagError('key-file', `${file} is a private key`, `Give the public half instead, e.g. --key-file ${file}.pub`)
    }
    try {
      return (await readFile(file, 'utf8')).trim()
    } catch (err) {
      throw flagError('key-file', `cannot be read: ${(err as Error).message}`, 'Give the path of an OpenSSH public key, e.g. ~/.ssh/id_ed25519.pub')
    }
  }
  if (flags.key !== undefined && flags.key.trim() !== '') {
    if (flags.key.includes('PRIVATE KEY')) throw flagError('key', 'is a private key', 'Give the public key line, e.g. --key "$(cat ~/.ssh/id_ed25519.pub)"')
    return flags.key.trim()
  }
  throw flagError('key', 'or --key-file is required', 'e.g. --key "$(cat ~/.ssh/id_ed25519.pub)" or --key-file ~/.ssh/id_ed25519.pub')
}

/** Registers a public key; a key registered already is a conflict naming the id to use. */
export async function addSshKey(client: ApiClient, title: string, keyBody: string): Promise<SshKeyDto> {
  try {
    return await client.sshKeys.add({title, key_body: keyBody})
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
