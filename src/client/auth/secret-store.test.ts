import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {AppPaths} from '../../config/paths.js'
import type {StoredCredentials} from './credentials.js'
import {credentialsFile, fileStore} from './file-store.js'
import {type KeychainStore, KeychainUnavailableError} from './keychain-store.js'
import {SecretStore} from './secret-store.js'

const creds = (server: string, accessToken = 'at-1'): StoredCredentials => ({
  server,
  issuer: 'https://idp.example',
  clientId: 'gpu-shopper-cli',
  audience: 'https://gpu-shopper.test/api',
  accessToken,
  refreshToken: 'rt-1',
  expiresAt: 1_000_000,
  obtainedAt: 1,
})

/** The OS keychain's contract, in memory; `down` makes it fail as a machine without D-Bus does. */
function memoryKeychain(down = false): KeychainStore & {entries: Map<string, StoredCredentials>; calls: number} {
  const entries = new Map<string, StoredCredentials>()
  const guard = () => {
    keychain.calls++
    if (down) throw new KeychainUnavailableError('DBus error: no session bus')
  }
  const keychain = {
    kind: 'keychain' as const,
    location: 'the OS keychain (Secret Service)',
    entries,
    calls: 0,
    async get(server: string) {
      guard()
      return entries.get(server) ?? null
    },
    async set(c: StoredCredentials) {
      guard()
      entries.set(c.server, c)
    },
    async delete(server: string) {
      guard()
      return entries.delete(server)
    },
  }
  return keychain
}

describe('the secret store', () => {
  let dir: string
  let paths: AppPaths
  let warnings: string[]
  const warn = (message: string) => warnings.push(message)

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gpu-shopper-secrets-'))
    paths = {config: join(dir, 'config'), data: join(dir, 'data'), state: join(dir, 'state'), cache: join(dir, 'cache')}
    warnings = []
  })
  afterEach(async () => rm(dir, {recursive: true, force: true}))

  it('keeps logins in the keychain, keyed by server, and writes no file', async () => {
    // Given a keychain that answers
    const keychain = memoryKeychain()
    const store = new SecretStore({keychain, paths, warn})

    // When two servers' logins are saved
    expect(await store.save(creds('https://a.example'))).toEqual({store: 'keychain', location: 'the OS keychain (Secret Service)'})
    await store.save(creds('https://b.example', 'at-b'))

    // Then each is found under its own URL, no file was written and nothing was said
    expect(await store.get('https://b.example')).toMatchObject({store: 'keychain', credentials: {accessToken: 'at-b'}})
    expect(await store.get('https://c.example')).toBeNull()
    await expect(stat(credentialsFile(paths))).rejects.toMatchObject({code: 'ENOENT'})
    expect(warnings).toEqual([])
  })

  it('falls back to a 0600 file when no keychain answers, and says so once, naming the file', async () => {
    // Given no keychain (a headless Linux box without D-Bus)
    const keychain = memoryKeychain(true)
    const store = new SecretStore({keychain, paths, warn})

    // When a login is saved, then renewed, then another server's saved
    expect(await store.save(creds('https://a.example'))).toEqual({store: 'file', location: credentialsFile(paths)})
    await store.save(creds('https://a.example', 'at-2'))
    await store.save(creds('https://b.example'))

    // Then the file is the user's alone and holds both
    expect((await stat(credentialsFile(paths))).mode & 0o777).toBe(0o600)
    expect((await stat(paths.config)).mode & 0o777).toBe(0o700)
    expect(await store.get('https://a.example')).toMatchObject({store: 'file', credentials: {accessToken: 'at-2'}})
    const onDisk = JSON.parse(await readFile(credentialsFile(paths), 'utf8')) as {servers: Record<string, unknown>}
    expect(Object.keys(onDisk.servers).sort()).toEqual(['https://a.example', 'https://b.example'])

    // And the warning came once, naming the file, whatever was written after
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`stored in the file ${credentialsFile(paths)} (mode 0600`)
    expect(warnings[0]).toContain('no session bus')
    // The keychain was asked once in this run, not before every call
    expect(keychain.calls).toBe(1)
  })

  it('does not warn again in a later run that finds the file already there', async () => {
    await new SecretStore({keychain: memoryKeychain(true), paths, warn}).save(creds('https://a.example'))
    warnings = []
    await new SecretStore({keychain: memoryKeychain(true), paths, warn}).save(creds('https://a.example', 'at-2'))
    expect(warnings).toEqual([])
  })

  it('moves a login saved to the file while the keychain was away into the keychain, leaving no copy on disk', async () => {
    // Given a login saved while no keychain answered
    await new SecretStore({keychain: memoryKeychain(true), paths, warn}).save(creds('https://a.example'))

    // When the keychain is back and the login is renewed
    const keychain = memoryKeychain()
    const store = new SecretStore({keychain, paths, warn})
    expect(await store.get('https://a.example')).toMatchObject({store: 'file'})
    await store.save(creds('https://a.example', 'at-2'))

    // Then it is in the keychain and gone from the file (the last entry removes the file itself)
    expect(await store.get('https://a.example')).toMatchObject({store: 'keychain', credentials: {accessToken: 'at-2'}})
    expect(await fileStore(paths).get('https://a.example')).toBeNull()
    await expect(stat(credentialsFile(paths))).rejects.toMatchObject({code: 'ENOENT'})
  })

  it('deletes a server\'s login from both stores and says where it was', async () => {
    const keychain = memoryKeychain()
    keychain.entries.set('https://a.example', creds('https://a.example'))
    await fileStore(paths).set(creds('https://a.example'))
    await fileStore(paths).set(creds('https://b.example'))
    const store = new SecretStore({keychain, paths, warn})

    expect(await store.delete('https://a.example')).toEqual(['keychain', 'file'])
    expect(await store.get('https://a.example')).toBeNull()
    expect(await store.get('https://b.example')).toMatchObject({store: 'file'})
    expect(await store.delete('https://a.example')).toEqual([])
  })

  it('reads a damaged file as "not logged in" rather than failing every command', async () => {
    const store = new SecretStore({keychain: memoryKeychain(true), paths, warn})
    await store.save(creds('https://a.example'))
    await writeFile(credentialsFile(paths), '{not json')
    expect(await store.get('https://a.example')).toBeNull()
  })
})
