import {mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type AppPaths, sessionKeysDir} from '../../config/paths.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {forgetEndedSessionKey, forgetKeysOfEnded, pruneEndedSessionKeys} from './ended-session-keys.js'
import {handDownRetryKey} from './retry-keys.js'

describe('keys of ended sessions', () => {
  let root: string
  let paths: AppPaths
  const files = async () => (await readdir(sessionKeysDir(paths))).sort()
  const keyPair = async (id: string) => {
    await writeFile(join(sessionKeysDir(paths), id), 'PRIVATE', {mode: 0o600})
    await writeFile(join(sessionKeysDir(paths), `${id}.pub`), 'ssh-ed25519 AAAA k')
  }

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'gpu-shopper-keys-'))
    paths = {config: join(root, 'config'), data: join(root, 'data'), state: join(root, 'state'), cache: join(root, 'cache')}
    await mkdir(sessionKeysDir(paths), {recursive: true})
  })
  afterEach(async () => {
    await rm(root, {recursive: true, force: true})
  })

  it("hands a failed try's key down to the session auto-retry put in its place before deleting it", async () => {
    await keyPair('sess-1a')
    await forgetKeysOfEnded([{id: 'sess-1a', status: 'failed', retried_as: 'sess-1b'}], paths)
    expect(await files()).toEqual(['ended-sess-1a', 'sess-1b', 'sess-1b.pub'])
    expect((await stat(join(sessionKeysDir(paths), 'sess-1b'))).mode & 0o777).toBe(0o600)
    expect(await readFile(join(sessionKeysDir(paths), 'sess-1b'), 'utf8')).toBe('PRIVATE')
  })

  it("finds a retry's key up its chain, through tries this machine never saw, and copies it to the retry", async () => {
    await keyPair('sess-2a')
    const chain: Record<string, string | null> = {'sess-2b': 'sess-2a'}
    expect(await handDownRetryKey({id: 'sess-2c', retry_of: 'sess-2b'}, paths, async (id) => ({retry_of: chain[id] ?? null}))).toBe(true)
    expect(await readFile(join(sessionKeysDir(paths), 'sess-2c'), 'utf8')).toBe('PRIVATE')
    // Without a way to look further, a chain this machine has no key in gives none.
    expect(await handDownRetryKey({id: 'sess-3c', retry_of: 'sess-3b'}, paths)).toBe(false)
  })

  it('deletes an ended session key pair, remembers it was here, and touches nothing else', async () => {
    await keyPair('sess-0a')
    await writeFile(join(sessionKeysDir(paths), 'idempotency-k-1.json'), '{}')
    expect(await forgetEndedSessionKey('sess-0a', paths)).toBe(true)
    expect(await files()).toEqual(['ended-sess-0a', 'idempotency-k-1.json'])
    // Asked again (another command), it still knows the key was here.
    expect(await forgetEndedSessionKey('sess-0a', paths)).toBe(true)
    // A key that never was here, or a name that is not a session's, is not claimed.
    expect(await forgetEndedSessionKey('sess-0b', paths)).toBe(false)
    expect(await forgetEndedSessionKey('../idempotency-k-1.json', paths)).toBe(false)
    expect(await files()).toEqual(['ended-sess-0a', 'idempotency-k-1.json'])
  })

  it('prunes only the keys of sessions the server says ended, and sweeps old markers', async () => {
    await keyPair('sess-01') // ended
    await keyPair('sess-02') // running
    await keyPair('sess-03') // unknown to this server: another server's, keep it
    const old = join(sessionKeysDir(paths), 'ended-sess-99')
    await writeFile(old, '')
    const longAgo = new Date(Date.now() - 91 * 86_400_000)
    await utimes(old, longAgo, longAgo)
    const status: Record<string, SessionDto['status']> = {'sess-01': 'stopped', 'sess-02': 'running'}
    const client = {
      sessions: {
        get: async (id: string) => {
          if (!status[id]) throw new Error('not found')
          return {id, status: status[id]} as SessionDto
        },
      },
    } as never
    await pruneEndedSessionKeys(client, paths)
    expect(await files()).toEqual(['ended-sess-01', 'sess-02', 'sess-02.pub', 'sess-03', 'sess-03.pub'])
  })

  it('forgets the keys of the ended sessions in a listing', async () => {
    await keyPair('sess-0c')
    await keyPair('sess-0d')
    await forgetKeysOfEnded([{id: 'sess-0c', status: 'failed', retried_as: null}, {id: 'sess-0d', status: 'provisioning', retried_as: null}], paths)
    expect(await files()).toEqual(['ended-sess-0c', 'sess-0d', 'sess-0d.pub'])
  })
})
