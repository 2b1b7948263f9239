import {createHash} from 'node:crypto'

import ssh2 from 'ssh2'

export interface SshKeyPair {
  /** OpenSSH private key (PEM-like `-----BEGIN OPENSSH PRIVATE KEY-----`). Secret. */
  privateKey: string
  /** One `authorized_keys` line: `ssh-ed25519 AAAA... comment`. */
  publicKey: string
}

/**
 * A fresh ed25519 pair for one session. ssh2's generator drops a leading zero byte of the
 * public key about once in 128 keys, leaving a pair ssh2 itself cannot load: such a pair is
 * thrown away and generated again.
 */
export function generateSessionKeyPair(comment: string): SshKeyPair {
  for (let attempt = 0; attempt < 16; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', {comment})
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) {
      return {privateKey: pair.private, publicKey: pair.public.trim()}
    }
  }
  throw new Error('could not generate a loadable ed25519 key pair')
}

export interface ParsedPublicKey {
  type: string
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
  fingerprint: string
  /** Canonical `type base64` without the comment. */
  canonical: string
}

/** Parses one OpenSSH public key line; throws with a reason when it is not one. */
export function parsePublicKey(line: string): ParsedPublicKey {
  const trimmed = line.trim()
  if (/PRIVATE KEY/.test(trimmed)) throw new Error('this is a private key; give the public key (the .pub file)')
  const parsed = ssh2.utils.parseKey(trimmed)
  if (parsed instanceof Error) throw new Error(`not an OpenSSH public key: ${parsed.message}`)
  const key = Array.isArray(parsed) ? parsed[0] : parsed
  if (!key || key.isPrivateKey()) throw new Error('not an OpenSSH public key')
  const blob = key.getPublicSSH()
  return {
    type: key.type,
    fingerprint: sshFingerprint(blob),
    canonical: `${key.type} ${blob.toString('base64')}`,
  }
}

export function sshFingerprint(publicKeyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')
}
