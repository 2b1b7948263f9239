import {rsaModulusBits} from './key-blob.js'
import {parsePublicKey, type ParsedPublicKey} from './keys.js'

/** Key types a registered key may have: what current OpenSSH servers accept by default. */
export const ACCEPTED_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'] as const

/** Below this an RSA key is breakable in practice; OpenSSH's own floor is 1024, NIST's 2048. */
export const MIN_RSA_BITS = 2048

const ACCEPTED = `use ssh-ed25519 (\`ssh-keygen -t ed25519\`), ecdsa-sha2-nistp256/384/521 or ssh-rsa of at least ${MIN_RSA_BITS} bits`

/**
 * Checks that `line` is one OpenSSH public key we would put on an instance. The reasons never
 * quote the input: a private key pasted by mistake must not end up in an error or a log.
 */
export function parseRegistrableKey(line: string): ParsedPublicKey & {bits: number | null} {
  const text = line.trim()
  if (/PRIVATE KEY|PuTTY-User-Key-File/.test(text)) {
    throw new Error('this is a private key; give the public key instead (the .pub file, e.g. ~/.ssh/id_ed25519.pub). Nothing was stored')
  }
  if (text.split(/\r?\n/).filter((l) => l.trim() !== '').length > 1) {
    throw new Error('give exactly one public key line; register each key separately')
  }
  let parsed: ParsedPublicKey
  try {
    parsed = parsePublicKey(text)
  } catch {
    throw new Error(`not an OpenSSH public key line ("<type> <base64> [comment]", as in a .pub file); ${ACCEPTED}`)
  }
  if (parsed.type === 'ssh-dss') throw new Error(`DSA (ssh-dss) keys are refused: OpenSSH no longer accepts them; ${ACCEPTED}`)
  if (!(ACCEPTED_KEY_TYPES as readonly string[]).includes(parsed.type)) {
    throw new Error(`key type ${parsed.type} is not accepted; ${ACCEPTED}`)
  }
  let bits: number | null = null
  if (parsed.type === 'ssh-rsa') {
    bits = rsaModulusBits(Buffer.from(parsed.canonical.split(' ')[1]!, 'base64'))
    if (bits < MIN_RSA_BITS) throw new Error(`this ssh-rsa key has ${bits} bits; at least ${MIN_RSA_BITS} are required (\`ssh-keygen -t ed25519\` makes a better key)`)
  }
  return {...parsed, bits}
}
