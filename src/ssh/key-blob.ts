/**
 * Reading the SSH wire-format public key blob (RFC 4253 §6.6): a sequence of
 * length-prefixed strings, the first of which names the key type.
 */

function readStrings(blob: Buffer, count: number): Buffer[] {
  const out: Buffer[] = []
  let offset = 0
  for (let i = 0; i < count; i++) {
    if (offset + 4 > blob.length) throw new Error('truncated SSH key blob')
    const length = blob.readUInt32BE(offset)
    offset += 4
    if (offset + length > blob.length) throw new Error('truncated SSH key blob')
    out.push(blob.subarray(offset, offset + length))
    offset += length
  }
  return out
}

/** The key type named inside the blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, ...). */
export function blobKeyType(blob: Buffer): string {
  return readStrings(blob, 1)[0]!.toString('latin1')
}

/** `type base64`: the public key as a known_hosts or authorized_keys line wants it (no comment). */
export function publicKeyLine(blob: Buffer): string {
  return `${blobKeyType(blob)} ${blob.toString('base64')}`
}

/** Size of an `ssh-rsa` key's modulus in bits (the mpint's leading sign byte does not count). */
export function rsaModulusBits(blob: Buffer): number {
  const [type, , modulus] = readStrings(blob, 3)
  if (type!.toString('latin1') !== 'ssh-rsa') throw new Error('not an ssh-rsa key')
  let start = 0
  while (start < modulus!.length && modulus![start] === 0) start++
  if (start === modulus!.length) return 0
  return (modulus!.length - start - 1) * 8 + (32 - Math.clz32(modulus![start]!))
}
