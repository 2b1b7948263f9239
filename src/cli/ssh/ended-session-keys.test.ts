import {mkdir, mkdtemp, readdir, rm, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type AppPaths, sessionKeysDir} from '../../config/paths.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {forgetEndedSessionKey, forgetKeysOfEnded, pruneEndedSessionKeys} from './ended-session-keys.js'

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
