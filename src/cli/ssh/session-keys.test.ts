import {mkdtemp, readdir, readFile, rm, stat, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type AppPaths, appPaths, sessionKeysDir} from '../../config/paths.js'
import {IDEMPOTENCY_WINDOW_MS} from '../../core/idempotency-window.js'
import {bindSessionKey, discardPendingKey, prepareSessionKey, readSessionPrivateKey, sessionKeyPath} from './session-keys.js'

let home: string
let paths: AppPaths
const request = {scope: 'allocations', sku: 'rtx-4090', gpus_total: 1, region_code: 'US'}
const HOUR = 3_600_000

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'gpu-shopper-keys-'))
  paths = appPaths({GPU_SHOPPER_HOME: home})
})
afterEach(async () => {
  await rm(home, {recursive: true, force: true})
})

const files = async () => (await readdir(sessionKeysDir(paths))).sort()

describe('session keys', () => {
  it('generates an ed25519 pair with a 0600 private key in a 0700 directory', async () => {
    const key = await prepareSessionKey('idem-1', request, paths)

    expect(key.publicKey).toMatch(/^ssh-ed25519 AAAA/)
    expect((await stat(key.privateKeyPath)).mode & 0o777).toBe(0o600)
    expect((await stat(sessionKeysDir(paths))).mode & 0o777).toBe(0o700)
    expect(await readFile(key.privateKeyPath, 'utf8')).toContain('PRIVATE KEY')
  })

  it('reuses the pair for a retry with the same idempotency key, before and after the create replied', async () => {
    const first = await prepareSessionKey('idem-2', request, paths)
    expect((await prepareSessionKey('idem-2', {...request}, paths)).publicKey).toBe(first.publicKey)

    const bound = await bindSessionKey('idem-2', request, 'sess-42', paths)

    expect(bound).toBe(sessionKeyPath('sess-42', paths))
    expect((await stat(bound!)).mode & 0o777).toBe(0o600)
    expect(await readSessionPrivateKey('sess-42', paths)).toContain('PRIVATE KEY')
    const retry = await prepareSessionKey('idem-2', request, paths)
    expect(retry).toEqual({publicKey: first.publicKey, privateKeyPath: bound})
    // Nothing named pending is left once the session id is known.
    expect((await files()).filter((f) => f.startsWith('pending-'))).toEqual([])
  })

  it('sends the same public key for the whole idempotency window, even after the session ended and its key was deleted', async () => {
    const now = Date.now()
    const first = await prepareSessionKey('qs-001', request, paths, now)
    await bindSessionKey('qs-001', request, 'sess-7', paths)
    // What the daemon does when the session ends.
    await rm(sessionKeyPath('sess-7', paths))
    await rm(`${sessionKeyPath('sess-7', paths)}.pub`)

    const repeat = await prepareSessionKey('qs-001', request, paths, now + 23 * HOUR)
    expect(repeat.publicKey).toBe(first.publicKey)
    expect(await bindSessionKey('qs-001', request, 'sess-7', paths)).toBeNull()

    // Past the window the daemon has forgotten the key: a new request gets a new pair.
    const later = await prepareSessionKey('qs-001', request, paths, now + IDEMPOTENCY_WINDOW_MS + HOUR)
    expect(later.publicKey).not.toBe(first.publicKey)
  })

  it('gives other flags under the same idempotency key their own pair, never overwriting the first', async () => {
    const first = await prepareSessionKey('qs-001', request, paths)
    const other = await prepareSessionKey('qs-001', {...request, gpus_total: 2}, paths)
    expect(other.publicKey).not.toBe(first.publicKey)
    expect((await prepareSessionKey('qs-001', request, paths)).publicKey).toBe(first.publicKey)

    // The daemon refuses the other one (409): its pair goes, the first stays.
    await discardPendingKey('qs-001', {...request, gpus_total: 2}, paths)
    await expect(stat(other.privateKeyPath)).rejects.toThrow()
    expect((await stat(first.privateKeyPath)).isFile()).toBe(true)
  })

  it('gives another idempotency key another pair, and drops a refused one', async () => {
    const a = await prepareSessionKey('idem-a', request, paths)
    const b = await prepareSessionKey('idem-b', request, paths)
    expect(a.publicKey).not.toBe(b.publicKey)

    await discardPendingKey('idem-a', request, paths)
    await expect(stat(a.privateKeyPath)).rejects.toThrow()
    expect((await files()).filter((f) => f.includes('idem-a'))).toEqual([])
  })

  it('keeps a replayed request\'s record when a later repeat is refused', async () => {
    await prepareSessionKey('idem-r', request, paths)
    await bindSessionKey('idem-r', request, 'sess-9', paths)
    await discardPendingKey('idem-r', request, paths)
    expect((await files()).filter((f) => f.startsWith('idempotency-idem-r'))).toHaveLength(1)
  })

  it('sweeps records, pending pairs and old pointer files past the idempotency window, and keeps the rest', async () => {
    const now = Date.now()
    const dir = sessionKeysDir(paths)
    await prepareSessionKey('old-unanswered', request, paths, now - IDEMPOTENCY_WINDOW_MS - HOUR)
    await prepareSessionKey('old-answered', request, paths, now - IDEMPOTENCY_WINDOW_MS - HOUR)
    await bindSessionKey('old-answered', request, 'sess-1', paths)
    await prepareSessionKey('recent', request, paths, now - HOUR)
    // Files of earlier versions: a pointer and a pending pair by idempotency key alone.
    const old = new Date(now - IDEMPOTENCY_WINDOW_MS - HOUR)
    for (const f of ['pending-qs-legacy.session', 'pending-qs-legacy', 'pending-qs-legacy.pub']) {
      await writeFile(join(dir, f), 'x')
      await utimes(join(dir, f), old, old)
    }
    await writeFile(join(dir, 'pending-qs-new.session'), 'sess-2\n')
    // The pending pairs' file times are real (now): the record says how old the request is.

    await prepareSessionKey('next', request, paths, now)

    const left = await files()
    expect(left.filter((f) => f.includes('old-') || f.includes('legacy'))).toEqual([])
    // A session's own key is the daemon's to delete, when the session ends.
    expect(left).toContain('sess-1')
    expect(left.filter((f) => f.includes('recent'))).toHaveLength(3)
    expect(left).toContain('pending-qs-new.session')
  })

  it('keeps file names safe whatever the idempotency key contains', async () => {
    const key = await prepareSessionKey('../../etc/passwd', request, paths)
    expect(key.privateKeyPath.startsWith(sessionKeysDir(paths))).toBe(true)
    expect((await files()).every((f) => !f.includes('/'))).toBe(true)
  })
})
