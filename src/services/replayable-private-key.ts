import type {ServiceContext} from './context.js'
import {openSealedSecret, sealSecret} from './secret-seal.js'

/**
 * The daemon's per-data-dir identity (daemon/daemon-keys.ts) carries, besides its SSH key
 * pair, the 32-byte key that seals server-generated private keys. It rides on
 * `ctx.daemonKey` because both are loaded from the same 0600 directory at start-up.
 */
export interface SealingKeyHolder {
  sealingKey?: Buffer
}

export function sealingKeyOf(ctx: ServiceContext): Buffer | null {
  const key = (ctx.daemonKey as SealingKeyHolder).sealingKey
  return Buffer.isBuffer(key) && key.length === 32 ? key : null
}

/** Binds a sealed key to its idempotency record: copied onto another record it does not open. */
function sealContext(scope: string, idempotencyKey: string): string {
  return `gpu-shopper/replay-private-key/v1\u0000${scope}\u0000${idempotencyKey}`
}

let warnedNoSealingKey = false

/**
 * Encrypts a server-generated private key for the idempotency record of its create, so a
 * retried create (the client lost the first reply) gets the key again; without a sealing key
 * it is not kept at all, and the replay has no private key.
 */
export function sealPrivateKeyForReplay(ctx: ServiceContext, scope: string, idempotencyKey: string | undefined, privateKey: string | null): Buffer | null {
  if (!idempotencyKey || !privateKey) return null
  const key = sealingKeyOf(ctx)
  if (!key) {
    if (!warnedNoSealingKey) {
      warnedNoSealingKey = true
      ctx.log.warn('no sealing key loaded: a replayed create will not return its server-generated SSH private key again')
    }
    return null
  }
  return sealSecret(key, privateKey, sealContext(scope, idempotencyKey))
}

/** The private key sealed with a replayed create, when there was one and it still opens. */
export function replayedPrivateKey(ctx: ServiceContext, sealedSecret: Buffer | null, scope: string, idempotencyKey: string): string | null {
  if (!sealedSecret) return null
  const key = sealingKeyOf(ctx)
  const privateKey = key ? openSealedSecret(key, sealedSecret, sealContext(scope, idempotencyKey)) : null
  if (privateKey === null) {
    // Loud, not silent: the client expected its key and will not get it. Nothing secret is logged.
    ctx.log.warn({scope}, 'a replayed create had a sealed SSH private key that could not be opened (the data dir sealing key changed?); replying without it')
  }
  return privateKey
}
