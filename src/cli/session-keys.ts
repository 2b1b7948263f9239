import {createHash} from 'node:crypto'
import {chmod, mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {type AppPaths, sessionKeysDir} from '../config/paths.js'

/**
 * Per-session SSH keys, generated here so the private key never crosses the API. The pair is
 * first stored under the idempotency key (the session id is not known yet) and renamed to the
 * session id once the create replies. A retry with the same idempotency key reuses the same
 * pair, so its request body is identical and the daemon answers with the first result.
 */
export interface SessionKey {
  publicKey: string
  privateKeyPath: string
}

function safeName(name: string): string {
  if (/^[\w.-]{1,100}$/.test(name) && !name.startsWith('.')) return name
  return createHash('sha256').update(name).digest('hex').slice(0, 32)
}

function pendingName(idempotencyKey: string): string {
  return `pending-${safeName(idempotencyKey)}`
}

function pointerFile(dir: string, idempotencyKey: string): string {
  return join(dir, `${pendingName(idempotencyKey)}.session`)
}

async function keysDir(paths: AppPaths): Promise<string> {
  const dir = sessionKeysDir(paths)
  await mkdir(dir, {recursive: true, mode: 0o700})
  // mkdir's mode is masked by the umask and ignored for an existing directory.
  await chmod(dir, 0o700)
  return dir
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** The key pair for a create with this idempotency key: reused when it exists, generated otherwise. */
export async function prepareSessionKey(idempotencyKey: string, paths: AppPaths): Promise<SessionKey> {
  const dir = await keysDir(paths)
  const pending = join(dir, pendingName(idempotencyKey))
  const existingPublic = await readIfExists(`${pending}.pub`)
  if (existingPublic && (await readIfExists(pending))) return {publicKey: existingPublic.trim(), privateKeyPath: pending}

  // The create already succeeded once: its key now lives under the session id.
  const sessionId = (await readIfExists(pointerFile(dir, idempotencyKey)))?.trim()
  if (sessionId) {
    const publicKey = await readIfExists(join(dir, `${safeName(sessionId)}.pub`))
    if (publicKey) return {publicKey: publicKey.trim(), privateKeyPath: join(dir, safeName(sessionId))}
  }

  // ssh2 is heavy; only commands that create sessions load it.
  const {generateSessionKeyPair} = await import('../ssh/keys.js')
  const pair = generateSessionKeyPair(`gpu-shopper-${safeName(idempotencyKey)}`)
  await writeFile(pending, pair.privateKey, {mode: 0o600})
  await writeFile(`${pending}.pub`, `${pair.publicKey}\n`, {mode: 0o644})
  return {publicKey: pair.publicKey, privateKeyPath: pending}
}

/** Moves the pending pair to `<session_id>` and remembers which session the idempotency key made. */
export async function bindSessionKey(idempotencyKey: string, sessionId: string, paths: AppPaths): Promise<string> {
  const dir = await keysDir(paths)
  const pending = join(dir, pendingName(idempotencyKey))
  const target = sessionKeyPath(sessionId, paths)
  if (await readIfExists(pending)) {
    await rename(pending, target)
    await rename(`${pending}.pub`, `${target}.pub`).catch(() => {})
  }
  await writeFile(pointerFile(dir, idempotencyKey), `${sessionId}\n`, {mode: 0o600})
  return target
}

/** Stores a private key the server generated (a create without our key); never printed. */
export async function storeServerKey(sessionId: string, privateKey: string, paths: AppPaths): Promise<string> {
  await keysDir(paths)
  const target = sessionKeyPath(sessionId, paths)
  await writeFile(target, privateKey.endsWith('\n') ? privateKey : `${privateKey}\n`, {mode: 0o600})
  await chmod(target, 0o600)
  return target
}

/** Drops a pending pair whose create was definitely refused (nothing was created). */
export async function discardPendingKey(idempotencyKey: string, paths: AppPaths): Promise<void> {
  const pending = join(sessionKeysDir(paths), pendingName(idempotencyKey))
  await rm(pending, {force: true})
  await rm(`${pending}.pub`, {force: true})
}

export function sessionKeyPath(sessionId: string, paths: AppPaths): string {
  return join(sessionKeysDir(paths), safeName(sessionId))
}

export async function readSessionPrivateKey(sessionId: string, paths: AppPaths): Promise<string | null> {
  return readIfExists(sessionKeyPath(sessionId, paths))
}
