import {createHash} from 'node:crypto'
import {chmod, mkdir, readdir, rename, rm, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {type AppPaths, sessionKeysDir} from '../../config/paths.js'
import {IDEMPOTENCY_WINDOW_MS} from '../../core/idempotency-window.js'
import {canonicalJson} from '../../core/canonical-json.js'
import {readIfExists} from './read-if-exists.js'

/**
 * Per-session SSH keys, generated here so the private key never crosses the API.
 *
 * A create's pair is first stored as `pending-<request>` (the session id is not known yet) and
 * renamed to `<session_id>` once the create replies; the CLI deletes it once it sees the session
 * ended (ended-session-keys.ts). The public key is also kept in `idempotency-<request>.json`, for as long as the daemon
 * remembers the idempotency key (IDEMPOTENCY_WINDOW_MS): a repeat of the same create, before or
 * after the reply and even after the session ended, then sends the same body and gets the
 * first result back instead of "already used with a different request". `<request>` names the
 * idempotency key and the request's other fields, so other flags under the same key never
 * reuse (or overwrite) the first request's key. Every create sweeps records and pending pairs
 * older than the window.
 */
export interface SessionKey {
  publicKey: string
  privateKeyPath: string
}

interface RequestRecord {
  idempotency_key: string
  public_key: string
  /** Set once the create replied. */
  session_id: string | null
  /** Epoch ms of the first send: the daemon's window starts about then. */
  created_at: number
}

const RECORD_PREFIX = 'idempotency-'
const PENDING_PREFIX = 'pending-'

function safeName(name: string): string {
  if (/^[\w.-]{1,100}$/.test(name) && !name.startsWith('.')) return name
  return createHash('sha256').update(name).digest('hex').slice(0, 32)
}


/** `<idempotency key>-<hash of the request's fields>`, safe as a file name. */
function requestName(idempotencyKey: string, request: unknown): string {
  const fingerprint = createHash('sha256').update(canonicalJson(request)).digest('hex').slice(0, 12)
  return `${safeName(idempotencyKey)}-${fingerprint}`
}

async function keysDir(paths: AppPaths): Promise<string> {
  const dir = sessionKeysDir(paths)
  await mkdir(dir, {recursive: true, mode: 0o700})
  // mkdir's mode is masked by the umask and ignored for an existing directory.
  await chmod(dir, 0o700)
  return dir
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}

async function readRecord(file: string): Promise<RequestRecord | null> {
  const text = await readIfExists(file)
  if (text === null) return null
  try {
    const record = JSON.parse(text) as RequestRecord
    return typeof record.public_key === 'string' && typeof record.created_at === 'number' ? record : null
  } catch {
    // A torn write: the request is treated as new, as it would be without the file.
    return null
  }
}

async function writeRecord(file: string, record: RequestRecord): Promise<void> {
  // Write then rename, so a concurrent reader never sees half a record.
  const partial = `${file}.${process.pid}.tmp`
  await writeFile(partial, `${JSON.stringify(record)}\n`, {mode: 0o600})
  await rename(partial, file)
}

/**
 * The key pair for a create with this idempotency key and request: the one sent before when
 * the same request was made within the idempotency window, a new one otherwise.
 */
export async function prepareSessionKey(idempotencyKey: string, request: unknown, paths: AppPaths, now = Date.now()): Promise<SessionKey> {
  const dir = await keysDir(paths)
  await sweepStaleRequests(dir, now)
  const name = requestName(idempotencyKey, request)
  const record = await readRecord(join(dir, `${RECORD_PREFIX}${name}.json`))
  if (record && now - record.created_at < IDEMPOTENCY_WINDOW_MS) {
    const privateKeyPath = record.session_id ? sessionKeyPath(record.session_id, paths) : join(dir, `${PENDING_PREFIX}${name}`)
    return {publicKey: record.public_key, privateKeyPath}
  }

  // ssh2 is heavy; only commands that create sessions load it.
  const {generateSessionKeyPair} = await import('../../ssh/keys.js')
  const pair = generateSessionKeyPair(`gpu-shopper-${safeName(idempotencyKey)}`)
  const pending = join(dir, `${PENDING_PREFIX}${name}`)
  await writeFile(pending, pair.privateKey, {mode: 0o600})
  await writeFile(`${pending}.pub`, `${pair.publicKey}\n`, {mode: 0o644})
  await writeRecord(join(dir, `${RECORD_PREFIX}${name}.json`), {idempotency_key: idempotencyKey, public_key: pair.publicKey, session_id: null, created_at: now})
  return {publicKey: pair.publicKey, privateKeyPath: pending}
}

/**
 * Moves the pending pair to `<session_id>` and records which session the request made. Returns
 * the private key's path, or null when there is none any more: a repeat of a create whose
 * session has ended (its key was deleted then).
 */
export async function bindSessionKey(idempotencyKey: string, request: unknown, sessionId: string, paths: AppPaths): Promise<string | null> {
  const dir = await keysDir(paths)
  const name = requestName(idempotencyKey, request)
  const pending = join(dir, `${PENDING_PREFIX}${name}`)
  const target = sessionKeyPath(sessionId, paths)
  if (await exists(pending)) {
    await rename(pending, target)
    await rename(`${pending}.pub`, `${target}.pub`).catch(() => {})
  }
  const recordFile = join(dir, `${RECORD_PREFIX}${name}.json`)
  const record = await readRecord(recordFile)
  if (record && record.session_id !== sessionId) await writeRecord(recordFile, {...record, session_id: sessionId})
  // Earlier versions pointed from the idempotency key to the session in this file, never removed.
  await rm(join(dir, `${PENDING_PREFIX}${safeName(idempotencyKey)}.session`), {force: true})
  return (await exists(target)) ? target : null
}

/** Stores a private key the server generated (a create without our key); never printed. */
export async function storeServerKey(sessionId: string, privateKey: string, paths: AppPaths): Promise<string> {
  await keysDir(paths)
  const target = sessionKeyPath(sessionId, paths)
  await writeFile(target, privateKey.endsWith('\n') ? privateKey : `${privateKey}\n`, {mode: 0o600})
  await chmod(target, 0o600)
  // A public key left there by `bindSessionKey` is not this private key's half.
  await rm(`${target}.pub`, {force: true})
  return target
}

/** Drops the pair and record of a create that was definitely refused (nothing was created). */
export async function discardPendingKey(idempotencyKey: string, request: unknown, paths: AppPaths): Promise<void> {
  const dir = sessionKeysDir(paths)
  const name = requestName(idempotencyKey, request)
  const recordFile = join(dir, `${RECORD_PREFIX}${name}.json`)
  // A request that created a session before keeps its record: a repeat must still match it.
  if ((await readRecord(recordFile))?.session_id) return
  await rm(join(dir, `${PENDING_PREFIX}${name}`), {force: true})
  await rm(join(dir, `${PENDING_PREFIX}${name}.pub`), {force: true})
  await rm(recordFile, {force: true})
}

/**
 * Removes what the daemon no longer remembers: records older than the idempotency window, with
 * any pending pair they left (a create that never replied and was never repeated), and pending
 * files of earlier versions past the window. Best effort: a file another CLI removes first, or
 * one that cannot be read, is skipped.
 */
export async function sweepStaleRequests(dir: string, now: number): Promise<void> {
  let files: string[]
  try {
    files = await readdir(dir)
  } catch {
    return
  }
  const live = new Set<string>()
  for (const file of files) {
    if (!file.startsWith(RECORD_PREFIX) || !file.endsWith('.json')) continue
    const name = file.slice(RECORD_PREFIX.length, -'.json'.length)
    const record = await readRecord(join(dir, file)).catch(() => null)
    // An unreadable record ages by its file time.
    const createdAt = record?.created_at ?? (await modifiedAt(join(dir, file), now))
    if (now - createdAt < IDEMPOTENCY_WINDOW_MS) {
      live.add(name)
      continue
    }
    for (const stale of [file, `${PENDING_PREFIX}${name}`, `${PENDING_PREFIX}${name}.pub`]) await rm(join(dir, stale), {force: true})
  }
  for (const file of files) {
    if (!file.startsWith(PENDING_PREFIX)) continue
    const name = file.slice(PENDING_PREFIX.length).replace(/\.(pub|session)$/, '')
    if (live.has(name)) continue
    if (now - (await modifiedAt(join(dir, file), now)) >= IDEMPOTENCY_WINDOW_MS) await rm(join(dir, file), {force: true})
  }
}

/** A file's modification time; `fallback` (so: not stale) when it is already gone. */
async function modifiedAt(file: string, fallback: number): Promise<number> {
  return stat(file).then(
    (s) => s.mtimeMs,
    () => fallback,
  )
}

export function sessionKeyPath(sessionId: string, paths: AppPaths): string {
  return join(sessionKeysDir(paths), safeName(sessionId))
}

export async function readSessionPrivateKey(sessionId: string, paths: AppPaths): Promise<string | null> {
  return readIfExists(sessionKeyPath(sessionId, paths))
}
