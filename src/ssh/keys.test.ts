import {describe, expect, it} from 'vitest'
import ssh2 from 'ssh2'

import {generateSessionKeyPair, parsePublicKey} from './keys.js'

describe('session keys', () => {
  it('always generates pairs ssh2 can load (its generator sometimes drops a zero byte)', () => {
    for (let i = 0; i < 400; i++) {
      const pair = generateSessionKeyPair('test')
      expect(ssh2.utils.parseKey(pair.privateKey)).not.toBeInstanceOf(Error)
      expect(ssh2.utils.parseKey(pair.publicKey)).not.toBeInstanceOf(Error)
    }
  })

  it('parses public keys with an ssh-keygen style fingerprint and refuses private keys', () => {
    const pair = generateSessionKeyPair('me@laptop')
    const parsed = parsePublicKey(pair.publicKey)
    expect(parsed.type).toBe('ssh-ed25519')
    expect(parsed.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    expect(parsed.canonical).not.toContain('me@laptop')
    expect(() => parsePublicKey(pair.privateKey)).toThrow(/private key/)
    expect(() => parsePublicKey('ssh-ed25519 not-base64')).toThrow()
  })
})
