import {readFile} from 'node:fs/promises'
import {isAbsolute} from 'node:path'

/** The identity file cannot be used: missing, unreadable, or not a private key. */
export class IdentityFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'IdentityFileError'
  }
}

export async function readIdentityFile(path: string): Promise<string> {
  if (!isAbsolute(path)) throw new IdentityFileError(`identity file ${path} is not an absolute path`)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new IdentityFileError(
      code === 'ENOENT' ? `identity file ${path} does not exist` : code === 'EACCES' ? `identity file ${path} is not readable by the daemon` : `identity file ${path}: ${(err as Error).message}`,
    )
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new IdentityFileError(`identity file ${path} is not a private key (give the key itself, not the .pub file)`)
  }
  if (/ENCRYPTED|Proc-Type: 4,ENCRYPTED/.test(text) || isEncryptedOpenSsh(text)) {
    throw new IdentityFileError(`identity file ${path} is protected by a passphrase, which the daemon cannot type: use a key without one for the node`)
  }
  return text
}

/** An OpenSSH-format key names its cipher inside the base64 body: `none` when unencrypted. */
function isEncryptedOpenSsh(text: string): boolean {
  const match = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)
  if (!match) return false
  const body = Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64')
  // "openssh-key-v1\0", then a length-prefixed cipher name.
  const magic = 'openssh-key-v1\0'.length
  if (body.length < magic + 4) return false
  const length = body.readUInt32BE(magic)
  return body.subarray(magic + 4, magic + 4 + length).toString('latin1') !== 'none'
}

