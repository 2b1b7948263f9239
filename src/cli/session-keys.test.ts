import {mkdtemp, readFile, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type AppPaths, appPaths, sessionKeysDir} from '../config/paths.js'
import {bindSessionKey, discardPendingKey, prepareSessionKey, readSessionPrivateKey, sessionKeyPath} from './session-keys.js'

let home: string
let paths: AppPaths

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'gpu-shopper-keys-'))
  paths = appPaths({GPU_SHOPPER_HOME: home})
})
afterEach(async () => {
  await rm(home, {recursive: true, force: true})
})

describe('session keys', () => {
  it('generates an ed25519 pair with a 0600 private key in a 0700 directory', async () => {
    const key = await prepareSessionKey('idem-1', paths)

    expect(key.publicKey).toMatch(/^ssh-ed25519 AAAA/)
    expect((await stat(key.privateKeyPath)).mode & 0o777).toBe(0o600)
    expect((await stat(sessionKeysDir(paths))).mode & 0o777).toBe(0o700)
    expect(await readFile(key.privateKeyPath, 'utf8')).toContain('PRIVATE KEY')
  })

  it('reuses the pair for a retry with the same idempotency key, before and after the create replied', async () => {
    const first = await prepareSessionKey('idem-2', paths)
    expect((await prepareSessionKey('idem-2', paths)).publicKey).toBe(first.publicKey)

    const bound = await bindSessionKey('idem-2', 'sess-42', paths)

    expect(bound).toBe(sessionKeyPath('sess-42', paths))
    expect((await stat(bound)).mode & 0o777).toBe(0o600)
    expect(await readSessionPrivateKey('sess-42', paths)).toContain('PRIVATE KEY')
    const retry = await prepareSessionKey('idem-2', paths)
    expect(retry).toEqual({publicKey: first.publicKey, privateKeyPath: bound})
  })

  it('gives another idempotency key another pair, and drops a refused one', async () => {
    const a = await prepareSessionKey('idem-a', paths)
    const b = await prepareSessionKey('idem-b', paths)
    expect(a.publicKey).not.toBe(b.publicKey)

    await discardPendingKey('idem-a', paths)
    await expect(stat(a.privateKeyPath)).rejects.toThrow()
  })

  it('keeps file names safe whatever the idempotency key contains', async () => {
    const key = await prepareSessionKey('../../etc/passwd', paths)
    expect(key.privateKeyPath.startsWith(sessionKeysDir(paths))).toBe(true)
  })
})
