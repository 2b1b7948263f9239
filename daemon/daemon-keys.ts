import {randomBytes} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {SealingKeyHolder} from '../src/services/replayable-private-key.js'
import {SEALING_KEY_BYTES} from '../src/services/secret-seal.js'
import {generateSessionKeyPair, type SshKeyPair} from '../src/ssh/keys.js'

/** The daemon's SSH key pair and the key that seals server-generated private keys at rest. */
export type DaemonIdentity = SshKeyPair & Required<SealingKeyHolder>

/**
 * The daemon's own SSH identity, created once per data dir and injected into every instance
 * beside the user's key, so the daemon can verify access (and later read GPU load) without
 * ever holding the user's private key. The sealing key travels with it (see
 * src/services/replayable-private-key.ts).
 */
export function loadOrCreateDaemonKey(keysDir: string): DaemonIdentity {
  const privatePath = join(keysDir, 'daemon_ed25519')
  const publicPath = `${privatePath}.pub`
  mkdirSync(keysDir, {recursive: true, mode: 0o700})
  chmodSync(keysDir, 0o700)
  const sealingKey = loadOrCreateSealingKey(keysDir)
  if (existsSync(privatePath) && existsSync(publicPath)) {
    chmodSync(privatePath, 0o600)
    return {privateKey: readFileSync(privatePath, 'utf8'), publicKey: readFileSync(publicPath, 'utf8').trim(), sealingKey}
  }
  const pair = generateSessionKeyPair('gpu-shopper-daemon')
  writeFileSync(privatePath, pair.privateKey, {mode: 0o600})
  writeFileSync(publicPath, pair.publicKey + '\n', {mode: 0o644})
  return {...pair, sealingKey}
}

/**
 * 32 random bytes in a 0600 file, per data dir: the AES-256-GCM key for private keys kept
 * with idempotency records. Kept out of the database so a copied database file alone
 * reveals nothing. A damaged file stops the daemon rather than being silently replaced.
 */
export function loadOrCreateSealingKey(keysDir: string): Buffer {
  const path = join(keysDir, 'replay_sealing.key')
  if (!existsSync(path)) {
    try {
      // 'wx': two processes racing on one data dir must not each write their own key.
      writeFileSync(path, randomBytes(SEALING_KEY_BYTES), {mode: 0o600, flag: 'wx'})
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  chmodSync(path, 0o600)
  const key = readFileSync(path)
  if (key.length !== SEALING_KEY_BYTES) {
    throw new Error(`${path} is damaged (${key.length} bytes, expected ${SEALING_KEY_BYTES}); delete it to make a new one (replays of earlier creates will then come back without their private key)`)
  }
  return key
}
