import {randomBytes} from 'node:crypto'

import {AppError} from '../core/errors.js'
import {parseRegistrableKey} from '../ssh/key-policy.js'
import type {AttachedSshKey} from '../store/sessions-repo.js'
import type {SshKey} from '../store/ssh-keys-repo.js'
import type {ServiceContext} from './context.js'
import {oncePerKey, type IdempotentRequest} from './idempotency.js'
import {callerTenant, isVisible, ownerOf} from './tenancy.js'

export function newSshKeyId(): string {
  return `ssh-key-${randomBytes(6).toString('hex')}`
}

/** Registers a public key (only the canonical `type base64` is kept); one fingerprint is registered once. */
/** A registration a client may retry with the same idempotency key: the retry gets the key it registered, not a conflict. */
export async function registerSshKeyOnce(ctx: ServiceContext, title: string, keyBody: string, idempotency: IdempotentRequest): Promise<SshKey> {
  return oncePerKey(ctx, 'register-ssh-key', idempotency, () => registerSshKey(ctx, title, keyBody), (key) => key.id)
}

export async function registerSshKey(ctx: ServiceContext, title: string, keyBody: string): Promise<SshKey> {
  let parsed: ReturnType<typeof parseRegistrableKey>
  try {
    parsed = parseRegistrableKey(keyBody)
  } catch (err) {
    throw new AppError('validation_error', `key_body: ${(err as Error).message}`, {field: 'key_body'})
  }
  const {tenantId} = ownerOf(ctx)
  return ctx.store.transaction(async () => {
    // Another server process may be registering the same key: one of the two is told it exists.
    await ctx.store.db.lockKey(`ssh-key:${tenantId}:${parsed.fingerprint}`)
    const existing = await ctx.store.sshKeys.byFingerprint(tenantId, parsed.fingerprint)
    if (existing) {
      throw new AppError('conflict', `this key (${parsed.fingerprint}) is already registered as ${existing.id} ("${existing.title}"); use that id, or delete it first`, {
        existing_id: existing.id,
        fingerprint: parsed.fingerprint,
      })
    }
    const key: SshKey = {
      id: newSshKeyId(),
      title: title.trim(),
      keyType: parsed.type,
      publicKey: parsed.canonical,
      fingerprint: parsed.fingerprint,
      createdAt: ctx.clock.now(),
      ...ownerOf(ctx),
    }
    await ctx.store.sshKeys.insert(key)
    return key
  })
}

export function listSshKeys(ctx: ServiceContext): Promise<SshKey[]> {
  return ctx.store.sshKeys.list(callerTenant(ctx))
}

/** Removes a key from the registry; sessions created with it keep it (their instances were set up already). */
export async function deleteSshKey(ctx: ServiceContext, id: string): Promise<SshKey> {
  const key = await visibleKey(ctx, id)
  if (!key || !(await ctx.store.sshKeys.delete(id))) throw unknownKey(id, 'id')
  return key
}

/**
 * The public keys behind `ssh_key_ids`, in the order given, duplicates dropped. An unknown id
 * refuses the whole create before anything is written.
 */
export async function resolveSshKeys(ctx: ServiceContext, ids: readonly string[]): Promise<AttachedSshKey[]> {
  const out: AttachedSshKey[] = []
  for (const id of new Set(ids)) {
    const key = await visibleKey(ctx, id)
    if (!key) throw unknownKey(id, 'ssh_key_ids', ' No instance was created.')
    out.push({id: key.id, publicKey: key.publicKey})
  }
  return out
}

async function visibleKey(ctx: ServiceContext, id: string): Promise<SshKey | null> {
  const key = await ctx.store.sshKeys.get(id)
  return key && isVisible(ctx, key.tenantId) ? key : null
}

function unknownKey(id: string, field: string, after = ''): AppError {
  return new AppError('not_found', `SSH key ${id} is not registered; \`gpu-shopper ssh-keys list\` shows the registered ones.${after}`, {
    ssh_key_id: id,
    field,
  })
}
