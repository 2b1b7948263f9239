
import ssh2 from 'ssh2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateSessionKeyPair, parsePublicKey, sshFingerprint, type SshKeyPair} from '../src/ssh/keys.js'
import {runRemoteCommand} from '../src/ssh/run-command.js'
import {pollUntil} from '../test/support/poll.js'
import type {RunningDaemon} from './server.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'

describe('SSH key registry, ssh_key_ids on create, host key pinning and replayed private keys', () => {
  let daemon: RunningDaemon
  let testDaemon: TestDaemon
  const auth = () => ({authorization: `Bearer ${daemon.token}`})
  const get = (url: string) => daemon.app.inject({method: 'GET', url, headers: auth()})
  const del = (url: string) => daemon.app.inject({method: 'DELETE', url, headers: auth()})
  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    daemon.app.inject({method: 'POST', url, payload, headers: {...auth(), ...headers}})
  const register = (title: string, key_body: string) => post('/api/v1/iam/ssh-keys', {title, key_body})

  beforeAll(async () => {
    testDaemon = await startTestDaemon('sshkeys')
    daemon = testDaemon.daemon
  })
  afterAll(async () => {
    await testDaemon?.close()
  })

  const usedOffers = new Set<string>()
  /** A cheap offer no earlier test rented: the daemon's inventory may not have seen it go yet. */
  async function freshOffer() {
    const offers = (await get('/api/v1/inventory?gpu_type=RTX%204090&sort=price&limit=50')).json().offers as {id: string}[]
    const offer = offers.find((o) => !usedOffers.has(o.id))!
    usedOffers.add(offer.id)
    return offer
  }

  async function untilRunning(id: string) {
    return pollUntil(async () => {
      const s = (await get(`/api/v1/sessions/${id}`)).json()
      if (s.status === 'failed') throw new Error(s.failure_reason)
      return s.status === 'running' ? s : undefined
    }, `session ${id} running`)
  }

  /** Runs `nvidia-smi -L` on the session's instance as `key`, trusting only the pinned host key. */
  function nvidiaSmiAs(session: {ssh_host: string; ssh_port: number; ssh_user: string; ssh_host_key_fingerprint: string}, key: SshKeyPair) {
    return runRemoteCommand(
      {host: session.ssh_host, port: session.ssh_port, user: session.ssh_user, privateKey: key.privateKey, hostKeyFingerprint: session.ssh_host_key_fingerprint},
      'nvidia-smi -L',
      10_000,
    )
  }

  describe('the registry', () => {
    it('registers a public key, lists it and deletes it', async () => {
      const pair = generateSessionKeyPair('me@laptop')
      const created = await register('laptop-ed25519', `${pair.publicKey}\n`)
      expect(created.statusCode).toBe(201)
      const key = created.json()
      const parsed = parsePublicKey(pair.publicKey)
      expect(key).toMatchObject({title: 'laptop-ed25519', key_type: 'ssh-ed25519', fingerprint: parsed.fingerprint, public_key: parsed.canonical})
      expect(key.id).toMatch(/^ssh-key-[0-9a-f]{12}$/)
      expect(key.public_key).not.toContain('me@laptop')
      expect(Date.parse(key.created_at)).not.toBeNaN()

      const listed = (await get('/api/v1/iam/ssh-keys')).json()
      expect(listed.ssh_keys).toContainEqual(key)
      expect(listed.count).toBe(listed.ssh_keys.length)

      const removed = await del(`/api/v1/iam/ssh-keys/${key.id}`)
      expect(removed.statusCode).toBe(200)
      expect(removed.json()).toMatchObject({id: key.id})
      expect(removed.json().message).toContain(key.id)
      expect((await get('/api/v1/iam/ssh-keys')).json().ssh_keys.map((k: {id: string}) => k.id)).not.toContain(key.id)
      const again = await del(`/api/v1/iam/ssh-keys/${key.id}`)
      expect(again.statusCode).toBe(404)
      expect(again.json()).toMatchObject({error_type: 'not_found', ssh_key_id: key.id})
    })

    it('accepts ecdsa and RSA of 2048 bits', async () => {
      expect((await register('ec', ssh2.utils.generateKeyPairSync('ecdsa', {bits: 384}).public)).json().key_type).toBe('ecdsa-sha2-nistp384')
      expect((await register('rsa', ssh2.utils.generateKeyPairSync('rsa', {bits: 2048}).public)).json().key_type).toBe('ssh-rsa')
    })

    it('refuses a private key, bad base64, short RSA and a missing title with 400 and stores nothing', async () => {
      const before = (await get('/api/v1/iam/ssh-keys')).json().count
      const pair = generateSessionKeyPair('oops')
      const privateKey = await register('oops', pair.privateKey)
      expect(privateKey.statusCode).toBe(400)
      expect(privateKey.json()).toMatchObject({error_type: 'validation_error', field: 'key_body'})
      expect(privateKey.json().error).toMatch(/private key.*\.pub/)
      expect(privateKey.body).not.toContain(pair.privateKey.split('\n')[1]!)

      const badBase64 = await register('bad', 'ssh-ed25519 AAAA$$$not-base64 me@laptop')
      expect(badBase64.statusCode).toBe(400)
      expect(badBase64.json().error).toMatch(/not an OpenSSH public key line/)

      const shortRsa = await register('old', ssh2.utils.generateKeyPairSync('rsa', {bits: 1024}).public)
      expect(shortRsa.statusCode).toBe(400)
      expect(shortRsa.json().error).toMatch(/1024 bits; at least 2048/)

      const noTitle = await register('', generateSessionKeyPair('x').publicKey)
      expect(noTitle.statusCode).toBe(400)
      expect(noTitle.json()).toMatchObject({error_type: 'validation_error', field: 'title'})
      expect((await get('/api/v1/iam/ssh-keys')).json().count).toBe(before)
    })

    it('refuses the same key twice with 409 naming the registered id', async () => {
      const pair = generateSessionKeyPair('first comment')
      const first = (await register('one', pair.publicKey)).json()
      const [type, body] = pair.publicKey.split(' ')
      const duplicate = await register('two', `${type} ${body} another-comment`)
      expect(duplicate.statusCode).toBe(409)
      expect(duplicate.json()).toMatchObject({error_type: 'conflict', existing_id: first.id, fingerprint: first.fingerprint})
    })

    it('gives a registration retried with its idempotency key the key it registered, not a conflict', async () => {
      const publicKey = generateSessionKeyPair('retried').publicKey
      const first = await daemon.app.inject({method: 'POST', url: '/api/v1/iam/ssh-keys', payload: {title: 'retried', key_body: publicKey}, headers: {...auth(), 'x-idempotency-key': 'add-1'}})
      const again = await daemon.app.inject({method: 'POST', url: '/api/v1/iam/ssh-keys', payload: {title: 'retried', key_body: publicKey}, headers: {...auth(), 'x-idempotency-key': 'add-1'}})
      expect(first.statusCode).toBe(201)
      expect(again.statusCode).toBe(201)
      expect(again.json()).toEqual(first.json())
      expect((await register('retried', publicKey)).statusCode).toBe(409)
    })
  })

  describe('ssh_key_ids on create', () => {
    it('refuses an unknown key id with 404 naming it, creating nothing', async () => {
      const offer = await freshOffer()
      const sessionsBefore = (await get('/api/v1/sessions')).json().total
      const known = (await register('known', generateSessionKeyPair('k').publicKey)).json()

      const session = await post('/api/v1/sessions', {
        consumer_id: 'tests',
        offer_id: offer.id,
        workload_type: 'ssh',
        reservation_hours: 1,
        ssh_key_ids: [known.id, 'ssh-key-000000000000'],
      })
      expect(session.statusCode).toBe(404)
      expect(session.json()).toMatchObject({error_type: 'not_found', ssh_key_id: 'ssh-key-000000000000', field: 'ssh_key_ids'})
      expect(session.json().error).toMatch(/ssh-key-000000000000.*No instance was created/)

      const allocation = await post('/api/v1/allocations', {sku: 'rtx-4090', gpus_total: 1, ssh_key_ids: ['ssh-key-ffffffffffff']}, {'x-idempotency-key': 'unknown-key-1'})
      expect(allocation.statusCode).toBe(404)
      expect(allocation.json()).toMatchObject({error_type: 'not_found', ssh_key_id: 'ssh-key-ffffffffffff'})
      expect((await get('/api/v1/sessions')).json().total).toBe(sessionsBefore)
      // Nothing was remembered under the key either: once the key exists the same request goes through.
      expect((await get('/api/v1/allocations')).json().total).toBe(sessionsBefore)
    })

    it('injects a registered key: it runs nvidia-smi over SSH against the pinned host key, and no private key is generated', async () => {
      const laptop = generateSessionKeyPair('me@laptop')
      const key = (await register('laptop', laptop.publicKey)).json()
      const offer = await freshOffer()
      const created = await post('/api/v1/sessions', {consumer_id: 'tests', offer_id: offer.id, workload_type: 'ssh', reservation_hours: 1, ssh_key_ids: [key.id]})
      expect(created.statusCode).toBe(201)
      expect(created.json().ssh_private_key).toBeUndefined()
      expect(created.json().session.ssh_key_ids).toEqual([key.id])
      expect(created.json().session.ssh_host_public_key).toBeNull()

      const running = await untilRunning(created.json().session.id)
      expect(running.ssh_key_ids).toEqual([key.id])
      expect(running.ssh_host_public_key).toMatch(/^ssh-[a-z0-9-]+ [A-Za-z0-9+/]+=*$/)
      const [, hostBlob] = running.ssh_host_public_key.split(' ')
      expect(sshFingerprint(Buffer.from(hostBlob, 'base64'))).toBe(running.ssh_host_key_fingerprint)

      const result = await nvidiaSmiAs(running, laptop)
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toMatch(/^GPU 0: /m)
      expect(result.hostPublicKey).toBe(running.ssh_host_public_key)
      // The pin is real: a different expected host key is refused.
      await expect(
        runRemoteCommand({...target(running), privateKey: laptop.privateKey, hostKeyFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'}, 'true', 5_000),
      ).rejects.toThrow()
      // A key that was never registered nor given is not let in.
      await expect(nvidiaSmiAs(running, generateSessionKeyPair('stranger'))).rejects.toThrow()
      // Deleting the key from the registry does not rewrite what the session was created with.
      expect((await del(`/api/v1/iam/ssh-keys/${key.id}`)).statusCode).toBe(200)
      expect((await get(`/api/v1/sessions/${running.id}`)).json().ssh_key_ids).toEqual([key.id])
    })

    it('injects the given public key and the registered keys side by side for an allocation', async () => {
      const own = generateSessionKeyPair('own')
      const registered = generateSessionKeyPair('registered')
      const key = (await register('registered', registered.publicKey)).json()
      const created = await post(
        '/api/v1/allocations',
        {sku: 'rtx-4090', gpus_total: 1, ssh_public_key: own.publicKey, ssh_key_ids: [key.id, key.id]},
        {'x-idempotency-key': 'alloc-with-keys'},
      )
      expect(created.statusCode).toBe(201)
      expect(created.json().ssh_private_key).toBeUndefined()
      const running = await untilRunning(created.json().id)
      expect(running.ssh_key_ids).toEqual([key.id])
      for (const pair of [own, registered]) expect((await nvidiaSmiAs(running, pair)).exitCode).toBe(0)
    })
  })

  describe('server-generated keys', () => {
    it('returns the same private key again when a session create is replayed', async () => {
      const offer = await freshOffer()
      const body = {consumer_id: 'tests', offer_id: offer.id, workload_type: 'llm', reservation_hours: 1}
      const first = await post('/api/v1/sessions', body, {'x-idempotency-key': 'replay-session-1'})
      expect(first.statusCode).toBe(201)
      const privateKey = first.json().ssh_private_key as string
      expect(privateKey).toMatch(/BEGIN OPENSSH PRIVATE KEY/)

      const again = await post('/api/v1/sessions', body, {'x-idempotency-key': 'replay-session-1'})
      expect(again.statusCode).toBe(201)
      expect(again.json().session.id).toBe(first.json().session.id)
      expect(again.json().ssh_private_key).toBe(privateKey)

      // The replayed key is the one the instance trusts.
      const running = await untilRunning(first.json().session.id)
      expect((await nvidiaSmiAs(running, {privateKey, publicKey: ''})).exitCode).toBe(0)
    })

    it('returns the same private key again when an allocation create is replayed', async () => {
      const body = {sku: 'rtx-4090', gpus_total: 1}
      const first = await post('/api/v1/allocations', body, {'x-idempotency-key': 'replay-alloc-1'})
      expect(first.statusCode).toBe(201)
      const privateKey = first.json().ssh_private_key as string
      expect(privateKey).toMatch(/BEGIN OPENSSH PRIVATE KEY/)
      const again = await post('/api/v1/allocations', body, {'x-idempotency-key': 'replay-alloc-1'})
      expect(again.json()).toMatchObject({id: first.json().id, ssh_private_key: privateKey})
    })
  })
})

function target(s: {ssh_host: string; ssh_port: number; ssh_user: string}) {
  return {host: s.ssh_host, port: s.ssh_port, user: s.ssh_user}
}
