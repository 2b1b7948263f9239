import {randomBytes} from 'node:crypto'

import {describe, expect, it} from 'vitest'

import {openSealedSecret, sealSecret} from './secret-seal.js'

describe('sealSecret', () => {
  const key = randomBytes(32)
  const secret = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n'

  it('opens with the same key and context, and the sealed bytes do not contain the secret', () => {
    const sealed = sealSecret(key, secret, 'scope\u0000k1')
    expect(sealed.toString('latin1')).not.toContain('OPENSSH')
    expect(sealed.toString('latin1')).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA')
    expect(openSealedSecret(key, sealed, 'scope\u0000k1')).toBe(secret)
    // A fresh IV each time: sealing twice gives different bytes.
    expect(sealSecret(key, secret, 'scope\u0000k1').equals(sealed)).toBe(false)
  })

  it('does not open with another key, another context, or altered bytes', () => {
    const sealed = sealSecret(key, secret, 'scope\u0000k1')
    expect(openSealedSecret(randomBytes(32), sealed, 'scope\u0000k1')).toBeNull()
    expect(openSealedSecret(key, sealed, 'scope\u0000k2')).toBeNull()
    const altered = Buffer.from(sealed)
    altered.writeUInt8(altered.readUInt8(altered.length - 1) ^ 1, altered.length - 1)
    expect(openSealedSecret(key, altered, 'scope\u0000k1')).toBeNull()
    expect(openSealedSecret(key, sealed.subarray(0, 10), 'scope\u0000k1')).toBeNull()
    expect(() => sealSecret(randomBytes(16), secret, 'x')).toThrow(/32 bytes/)
  })
})
