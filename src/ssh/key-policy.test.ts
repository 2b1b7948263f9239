import ssh2 from 'ssh2'
import {describe, expect, it} from 'vitest'

import {blobKeyType, publicKeyLine, rsaModulusBits} from './key-blob.js'
import {parseRegistrableKey} from './key-policy.js'
import {generateSessionKeyPair, parsePublicKey} from './keys.js'

// A throwaway DSA public key (`ssh-keygen -t dsa`): current generators no longer make them.
const DSA_PUBLIC =
  'ssh-dss AAAAB3NzaC1kc3MAAACBAI3g4gemwMsuVu56u19OM/szFLzJSqKSzfxWM6guybOiUrNGIc5yZzclMecfxC918kzRSCYpCWAXzQ7vP05+L2tYQwUkBWgnFSI72K39ZEmbZFvwqA3H/ZewCvQbLhCa6ET40HNyEq4iY1mM+xinu44V+B/MiNQ7IFG827K/Okd/AAAAFQDwLmzAvsUVsnSOz27qMIC0dgC6UQAAAIBnLHEL2di130FfmZ4MDqSJ0VnAMS7CLryp8Gl7rcgDiWBJezoeMZHOo8y1MfIi2mjYleiAxleLgd86Wo4aAI6I1y2hhdua3rP7EI8gPajzUfMz8mXvpf9xfujdmfujjZMyLDDYBotNQg/x4PaQ84mzvhjg8aMDojX6CqK5mTVokQAAAIA96594FwLm0+uvtVymFSSfbNKqmP+JMFbspNcZ1gFm8pyx8kWu9DeFpEk36YAICzIsXkMKj7EwvUGrbUtghahaBzPRUz743pTKHIIveyYeOA2y3G5iFLtzkr/JtkPy1WeBOdUNP/BSEMvuE7vQGj4tL5/GKwyanQ0sWjKbpS/XWg== old@laptop'

const rsa = (bits: number) => ssh2.utils.generateKeyPairSync('rsa', {bits, comment: 'me@laptop'})

describe('parseRegistrableKey', () => {
  it('accepts ed25519, ecdsa and RSA of 2048 bits, canonical without the comment', () => {
    const ed = generateSessionKeyPair('me@laptop')
    const parsed = parseRegistrableKey(`  ${ed.publicKey}\n`)
    expect(parsed.type).toBe('ssh-ed25519')
    expect(parsed.canonical).toBe(ed.publicKey.split(' ').slice(0, 2).join(' '))
    expect(parsed.fingerprint).toBe(parsePublicKey(ed.publicKey).fingerprint)

    for (const bits of [256, 384, 521] as const) {
      const ec = ssh2.utils.generateKeyPairSync('ecdsa', {bits})
      expect(parseRegistrableKey(ec.public).type).toBe(`ecdsa-sha2-nistp${bits}`)
    }
    expect(parseRegistrableKey(rsa(2048).public)).toMatchObject({type: 'ssh-rsa', bits: 2048})
  })

  it('refuses a private key with a pointer to the .pub file, never quoting it', () => {
    const {privateKey} = generateSessionKeyPair('oops')
    const error = captureError(() => parseRegistrableKey(privateKey))
    expect(error).toMatch(/private key.*\.pub/)
    expect(error).not.toContain(privateKey.split('\n')[1]!)
  })

  it('refuses DSA, short RSA, bad base64, other text and two keys at once', () => {
    expect(captureError(() => parseRegistrableKey(DSA_PUBLIC))).toMatch(/DSA/)
    expect(captureError(() => parseRegistrableKey(rsa(1024).public))).toMatch(/1024 bits; at least 2048/)
    expect(captureError(() => parseRegistrableKey('ssh-ed25519 !!!not-base64!!! me'))).toMatch(/not an OpenSSH public key line/)
    expect(captureError(() => parseRegistrableKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI'))).toMatch(/not an OpenSSH public key line/)
    expect(captureError(() => parseRegistrableKey('hello'))).toMatch(/not an OpenSSH public key line/)
    const two = `${generateSessionKeyPair('a').publicKey}\n${generateSessionKeyPair('b').publicKey}`
    expect(captureError(() => parseRegistrableKey(two))).toMatch(/exactly one/)
  })
})

describe('key blobs', () => {
  it('reads the type, the known_hosts line and the RSA modulus size', () => {
    const ed = parsePublicKey(generateSessionKeyPair('x').publicKey)
    const blob = Buffer.from(ed.canonical.split(' ')[1]!, 'base64')
    expect(blobKeyType(blob)).toBe('ssh-ed25519')
    expect(publicKeyLine(blob)).toBe(ed.canonical)
    for (const bits of [1024, 2048, 3072]) {
      expect(rsaModulusBits(Buffer.from(parsePublicKey(rsa(bits).public).canonical.split(' ')[1]!, 'base64'))).toBe(bits)
    }
    expect(() => blobKeyType(Buffer.from([0, 0, 0, 9, 1]))).toThrow(/truncated/)
  })
})

function captureError(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return (err as Error).message
  }
  throw new Error('expected an error')
}
