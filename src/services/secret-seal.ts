import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto'

/** Format byte first, so the layout can change without misreading old records. */
const FORMAT_V1 = 1
const IV_BYTES = 12
const TAG_BYTES = 16
export const SEALING_KEY_BYTES = 32

/**
 * AES-256-GCM over a secret, bound to `context` (authenticated, not stored) so a sealed value
 * copied onto another record does not open there. Layout: format | iv | tag | ciphertext.
 */
export function sealSecret(key: Buffer, plaintext: string, context: string): Buffer {
  assertKey(key)
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(context, 'utf8'))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return Buffer.concat([Buffer.from([FORMAT_V1]), iv, cipher.getAuthTag(), body])
}

/** The plaintext, or null when the key or the context is not the one it was sealed with (or the bytes were altered). */
export function openSealedSecret(key: Buffer, sealed: Buffer, context: string): string | null {
  assertKey(key)
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT_V1) return null
  const iv = sealed.subarray(1, 1 + IV_BYTES)
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
    decipher.setAAD(Buffer.from(context, 'utf8'))
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
  } catch {
    return null
  }
}

function assertKey(key: Buffer): void {
  if (key.length !== SEALING_KEY_BYTES) throw new Error(`a sealing key is ${SEALING_KEY_BYTES} bytes`)
}
