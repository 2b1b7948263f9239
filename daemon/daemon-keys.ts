import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {generateSessionKeyPair, type SshKeyPair} from '../src/ssh/keys.js'

/**
 * The daemon's own SSH identity, created once per data dir and injected into every instance
 * beside the user's key, so the daemon can verify access (and later read GPU load) without
 * ever holding the user's private key.
 */
export function loadOrCreateDaemonKey(keysDir: string): SshKeyPair {
  const privatePath = join(keysDir, 'daemon_ed25519')
  const publicPath = `${privatePath}.pub`
  mkdirSync(keysDir, {recursive: true, mode: 0o700})
  chmodSync(keysDir, 0o700)
  if (existsSync(privatePath) && existsSync(publicPath)) {
    chmodSync(privatePath, 0o600)
    return {privateKey: readFileSync(privatePath, 'utf8'), publicKey: readFileSync(publicPath, 'utf8').trim()}
  }
  const pair = generateSessionKeyPair('gpu-shopper-daemon')
  writeFileSync(privatePath, pair.privateKey, {mode: 0o600})
  writeFileSync(publicPath, pair.publicKey + '\n', {mode: 0o644})
  return pair
}
