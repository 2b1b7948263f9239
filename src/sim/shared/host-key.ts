import ssh2 from 'ssh2'

import {sshFingerprint} from '../../ssh/keys.js'

export interface HostKey {
  /** OpenSSH private key for ssh2's Server. */
  privateKey: string
  publicKey: string
  fingerprint: string
}

/**
 * A fresh ed25519 host key. ssh2's generateKeyPairSync drops a leading zero byte of the public
 * key (about 1 key in 128), and ssh2 then refuses to load that key; generate again until the
 * pair parses, or such a run would fail to start every simulated machine.
 */
export function generateHostKey(): HostKey {
  for (let attempt = 0; attempt < 64; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519')
    const priv = ssh2.utils.parseKey(pair.private)
    const pub = ssh2.utils.parseKey(pair.public)
    if (priv instanceof Error || pub instanceof Error) continue
    const key = Array.isArray(pub) ? pub[0] : pub
    if (!key) continue
    return {privateKey: pair.private, publicKey: pair.public, fingerprint: sshFingerprint(key.getPublicSSH())}
  }
  throw new Error('could not generate a usable ed25519 host key')
}
