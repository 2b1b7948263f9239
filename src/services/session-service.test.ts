import {randomBytes} from 'node:crypto'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {LOCAL_TENANT} from '../auth/principal.js'
import {refusalOf} from '../../test/support/refusal.js'

import {offerFixture, sessionInputFixture} from '../../test/support/offer-fixture.js'
import {recordOnlyProvider} from '../../test/support/record-only-provider.js'

import type {AppError} from '../core/errors.js'
import {asMicroUsd, toMicroUsd} from '../core/money.js'
import type {Offer} from '../core/offer.js'
import {monthlyDiskPricePerHour} from '../core/offer-quote.js'
import {simControl} from '../sim/control/control-client.js'
import {generateSessionKeyPair} from '../ssh/keys.js'
import {sessionRow, startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {STORE_ENGINES, twoProcessesOn, type OpenedStore} from '../../test/support/store-engines.js'
import type {ServiceContext} from './context.js'
import type {SealingKeyHolder} from './replayable-private-key.js'
import {
  createSession,
  createSessionBySpec,
  extendSession,
  releaseSession,
  type CreateSessionInput,
  type CreatedSession,
  type SpecRequest,
} from './session-service.js'
import {registerSshKey} from './ssh-key-service.js'

const HOUR = 3_600_000

const offer = (id: string, over: Partial<Offer> = {}): Offer => offerFixture(id, {diskGb: 500, ...over})

/** What a create returned, in the reply's words: the private key only when there is one. */
const reply = ({session, sshPrivateKey}: CreatedSession): Reply => ({
  session_id: session.id,
  status: session.status,
  price_per_hour_micro_usd: session.pricePerHour,
  ...(sshPrivateKey ? {ssh_private_key: sshPrivateKey} : {}),
})

interface Reply {
  session_id: string
  status: string
  price_per_hour_micro_usd: number
  ssh_private_key?: string
}

describe('session service', () => {
  let h: ServiceHarness

  const input = (over: Partial<CreateSessionInput> = {}): CreateSessionInput => sessionInputFixture('vastai-1', over)
  /** A create as the route makes it; the body is what the idempotency key is bound to. */
  const create = async (over: Partial<CreateSessionInput> = {}, key?: string, body: unknown = input(over)) => ({
    body: reply(await createSession(h.ctx, input(over), {key, fingerprint: body})),
  })
  const count = async (table: string) => (await h.ctx.store.db.get<{n: number}>(`SELECT count(*) AS n FROM ${table}`))!.n
  /** Everything a create writes; a refused create leaves all of it as it was. */
  const written = async () => ({
    sessions: (await h.ctx.store.sessions.list({limit: 1000})).total,
    jobs: await count('jobs'),
    events: await count('session_events'),
    idempotency: await count('idempotency_keys'),
  })
  const nothingWritten = {sessions: 0, jobs: 0, events: 0, idempotency: 0}
  const providerCalls = async () => (await simControl<{requests: {method: string; path: string}[]}>(h.vast.url, 'GET', '/_sim/requests')).requests

  beforeEach(async () => {
    h = await startServiceHarness()
    await h.ctx.store.offers.upsertMany([offer('vastai-1'), offer('vastai-2', {pricePerHour: toMicroUsd(0.3)}), offer('vastai-3', {pricePerHour: toMicroUsd(0.5)})])
  })
  afterEach(async () => h.close())

  describe('creating a session', () => {
    it('records the intent (pending session, its first event, a queued provision job) and calls no provider', async () => {
      const reply = await create({}, 'key-1')

      expect(reply.body.session_id).toMatch(/^sess-/)
      const session = (await h.ctx.store.sessions.get(reply.body.session_id))!
      expect(session).toMatchObject({
        status: 'pending',
        consumerId: 'team',
        offerId: 'vastai-1',
        offerProviderId: '1',
        provider: 'vastai',
        providerInstanceId: null,
        createAttemptedAt: null,
        pricePerHour: toMicroUsd(0.4),
        createdAt: h.clock.now(),
        expiresAt: h.clock.now() + 2 * HOUR,
      })
      expect(await h.ctx.store.events.listAfter(session.id)).toMatchObject([{type: 'status', fromStatus: null, toStatus: 'pending', actor: 'api'}])
      expect(await h.ctx.store.jobs.openFor(session.id, 'provision')).toMatchObject([{status: 'queued', runAt: h.clock.now(), attempts: 0}])
      expect(await written()).toEqual({sessions: 1, jobs: 1, events: 1, idempotency: 1})
      // The provider is called by the provision job, never while the intent is recorded
      expect(await providerCalls()).toEqual([])
    })

    it('generates a key pair when none is given, hands back the private key once and never stores it in plain text', async () => {
      const reply = await create({}, 'key-1')
      expect(reply.body.ssh_private_key).toMatch(/BEGIN OPENSSH PRIVATE KEY/)
      const session = (await h.ctx.store.sessions.get(reply.body.session_id))!
      expect(session.sshPublicKey).toMatch(/^ssh-ed25519 /)
      const stored = (await h.ctx.store.db.get<{result: string}>('SELECT result FROM idempotency_keys'))!
      expect(JSON.parse(stored.result).session.id).toBe(session.id)
      expect(stored.result).not.toMatch(/PRIVATE KEY/)
    })

    it('takes the given public key, or the first registered key named, and then generates none', async () => {
      const own = generateSessionKeyPair('mine').publicKey
      expect((await create({sshPublicKey: own})).body.ssh_private_key).toBeUndefined()
      expect((await h.ctx.store.sessions.list({limit: 10})).sessions[0]!.sshPublicKey).toBe(own)

      const laptop = await registerSshKey(h.ctx, 'laptop', generateSessionKeyPair('laptop').publicKey)
      const desk = await registerSshKey(h.ctx, 'desk', generateSessionKeyPair('desk').publicKey)
      const reply = await create({offerId: 'vastai-2', sshKeyIds: [desk.id, laptop.id, desk.id]})
      expect(reply.body.ssh_private_key).toBeUndefined()
      const session = (await h.ctx.store.sessions.get(reply.body.session_id))!
      expect(session.sshPublicKey).toBe(desk.publicKey)
      expect(session.attachedSshKeys).toEqual([
        {id: desk.id, publicKey: desk.publicKey},
        {id: laptop.id, publicKey: laptop.publicKey},
      ])
    })

    it('refuses what it cannot rent, saying why and that nothing was created, and writes nothing', async () => {
      await h.ctx.store.offers.upsertMany([offer('vastai-9', {available: false}), offer('tensordock-x')])
      const cases: Array<[string, Partial<CreateSessionInput>, string, Record<string, unknown>]> = [
        ['an offer not in the inventory', {offerId: 'vastai-404'}, 'not_found', {offer_id: 'vastai-404'}],
        ['an offer no longer available', {offerId: 'vastai-9'}, 'stale_inventory', {offer_id: 'vastai-9', retry_suggested: true}],
        ['a provider this daemon has no key for', {offerId: 'tensordock-x'}, 'provider_error', {provider: 'tensordock'}],
        ['an unregistered SSH key id', {sshKeyIds: ['ssh-key-nope']}, 'not_found', {field: 'ssh_key_ids', ssh_key_id: 'ssh-key-nope'}],
      ]
      for (const [what, over, errorType, details] of cases) {
        const err = await refusalOf(() => create(over, `key-${what}`))
        expect(err.errorType, what).toBe(errorType)
        expect(err.details, what).toMatchObject(details)
        expect(err.message, what).toMatch(/no instance was created/i)
      }
      const bad = await refusalOf(() => create({sshPublicKey: 'ssh-rsa not-a-key'}, 'key-bad-key'))
      expect(bad).toMatchObject({errorType: 'validation_error', details: {field: 'ssh_public_key'}})
      expect(await written()).toEqual(nothingWritten)
    })

    it('refuses an offer one of our live sessions holds on a single-use marketplace, naming the holder, until that session ends', async () => {
      const first = (await create({}, 'key-1')).body.session_id
      const err = await refusalOf(() => create({consumerId: 'other'}, 'key-2'))
      expect(err).toMatchObject({errorType: 'conflict', details: {offer_id: 'vastai-1', session_id: first, session_status: 'pending'}})
      expect(err.message).toMatch(new RegExp(`already rented by your session ${first}.*No instance was created`))
      expect((await written()).sessions).toBe(1)

      // When the holder has ended, Then the offer can be rented again
      expect(await h.ctx.store.sessions.update(first, 'pending', {status: 'failed', stoppedAt: h.clock.now()}, h.clock.now())).toBe(true)
      expect((await create({consumerId: 'other'}, 'key-3')).body.session_id).toMatch(/^sess-/)
    })

    it('rents a listing with capacity (not single-use) again while our session holds it', async () => {
      h.ctx.providers.register('tensordock', {baseUrl: 'http://127.0.0.1:0', adapter: recordOnlyProvider('tensordock')})
      await h.ctx.store.offers.upsertMany([offer('tensordock-x', {diskRate: {usdPerGb: 0.00005, per: 'hour', minimumGb: 100}, priceIncludes: {diskGb: 100, vcpus: 8, ramGb: 32}})])
      await create({offerId: 'tensordock-x'}, 'key-1')
      expect((await create({offerId: 'tensordock-x'}, 'key-2')).body.session_id).toMatch(/^sess-/)
      expect((await h.ctx.store.sessions.list({limit: 10})).total).toBe(2)
    })

    it('prices the session for the disk asked for, as the provider bills it', async () => {
      h.ctx.providers.register('tensordock', {baseUrl: 'http://127.0.0.1:0', adapter: recordOnlyProvider('tensordock')})
      await h.ctx.store.offers.upsertMany([offer('tensordock-x', {pricePerHour: toMicroUsd(1), diskRate: {usdPerGb: 0.0001, per: 'hour', minimumGb: 100}, priceIncludes: {diskGb: 100, vcpus: 8, ramGb: 32}})])
      const price = async (over: Partial<CreateSessionInput>) => (await create(over)).body.price_per_hour_micro_usd

      // Vast.ai: the listed price includes 50 GB at $0.15/GB-month; 200 GB swaps that part exactly
      const vast = await price({diskGb: 200})
      expect(vast).toBe(toMicroUsd(0.4) - monthlyDiskPricePerHour(50, 0.15) + monthlyDiskPricePerHour(200, 0.15))
      expect(vast).toBe(431_250)
      expect(await price({offerId: 'vastai-2', diskGb: 50})).toBe(toMicroUsd(0.3))
      // TensorDock: an hourly rate per GB over the included 100 GB, and never less than its minimum disk
      expect(await price({offerId: 'tensordock-x', diskGb: 300})).toBe(toMicroUsd(1) + toMicroUsd(200 * 0.0001))
      expect(await price({offerId: 'tensordock-x', diskGb: 20})).toBe(toMicroUsd(1))
      // The first event says what was asked for and at what price
      const session = (await h.ctx.store.sessions.list({limit: 10})).sessions.find((s) => s.pricePerHour === vast)!
      expect((await h.ctx.store.events.listAfter(session.id))[0]!.message).toMatch(/vastai-1 at \$0\.4313\/h with 200 GB disk/)
    })

    it("refuses a reservation past what is left of the consumer's budget, at the price for its disk, and writes nothing", async () => {
      // Given a budget that covers exactly 2 h of the offer with its default disk
      await h.ctx.store.budgets.upsert(LOCAL_TENANT, 'team', asMicroUsd(2 * 400_000), 0.8, 'release', h.clock.now())

      // When the same 2 h are asked with a bigger disk, Then the budget refuses it
      const err = await refusalOf(() => create({diskGb: 200}, 'key-1'))
      expect(err.errorType).toBe('insufficient_balance')
      expect(err.details).toMatchObject({remaining_micro_usd: 800_000, requested_micro_usd: 2 * 431_250})
      expect(err.message).toMatch(/Nothing was created/)
      expect(await written()).toEqual(nothingWritten)

      // And the default disk fits to the micro-dollar; then nothing is left for another hour
      expect((await create({}, 'key-2')).body.session_id).toMatch(/^sess-/)
      expect((await refusalOf(() => create({offerId: 'vastai-2', reservationHours: 1}, 'key-3'))).errorType).toBe('insufficient_balance')
    })
  })

  describe('idempotency', () => {
    it('answers a repeat with the same key and body with the first reply, creating nothing more, even after the offer was taken', async () => {
      const first = await create({}, 'key-1')
      // The offer is gone by the time the client retries (its first reply was lost): the retry
      // still gets its session, not an error that would make it rent another.
      await h.ctx.store.offers.markUnavailable('vastai-1')
      h.clock.advance(60_000)
      const again = await create({}, 'key-1')
      expect(again.body.session_id).toMatch(/^sess-/)
      expect(again.body.session_id).toBe(first.body.session_id)
      expect(await written()).toEqual({sessions: 1, jobs: 1, events: 1, idempotency: 1})
      // Keys in another order are the same request
      const reordered = Object.fromEntries(Object.entries(input()).reverse())
      expect((await create({}, 'key-1', reordered)).body.session_id).toBe(first.body.session_id)
    })

    it('refuses the same key with another body as a conflict, creating nothing', async () => {
      await create({}, 'key-1')
      const err = await refusalOf(() => create({offerId: 'vastai-2'}, 'key-1'))
      expect(err).toMatchObject({errorType: 'conflict', details: {idempotency_key: 'key-1'}})
      expect((await written()).sessions).toBe(1)
    })

    it('gives a repeated create its server-generated private key again when a sealing key is loaded, bound to that key', async () => {
      ;(h.ctx.daemonKey as SealingKeyHolder).sealingKey = randomBytes(32)
      const first = await create({}, 'key-1')
      expect(first.body.ssh_private_key).toMatch(/PRIVATE KEY/)
      expect((await create({}, 'key-1')).body.ssh_private_key).toBe(first.body.ssh_private_key)
      // With another sealing key (the data dir's was replaced), the replay comes back without it
      ;(h.ctx.daemonKey as SealingKeyHolder).sealingKey = randomBytes(32)
      const replay = await create({}, 'key-1')
      expect(replay.body.session_id).toBe(first.body.session_id)
      expect(replay.body.ssh_private_key).toBeUndefined()
    })

    it('without a key, creates each time', async () => {
      await create({offerId: 'vastai-1'})
      await create({offerId: 'vastai-2'})
      expect(await written()).toMatchObject({sessions: 2, jobs: 2, idempotency: 0})
    })
  })

  describe('creating by spec', () => {
    const spec: SpecRequest = {gpuType: 'RTX 4090', gpuCount: 1, region: null, maxPricePerHour: null, minReliability: null}
    const byspec = async (request: Partial<SpecRequest>, key?: string) => {
      const rest = input()
      const created = await createSessionBySpec(h.ctx, {...spec, ...request}, rest, {key, fingerprint: {spec: {...spec, ...request}, rest}})
      return (await h.ctx.store.sessions.get(created.session.id))!
    }

    it('picks the cheapest live offer that none of our live sessions holds, and keeps the spec for failover', async () => {
      const first = await byspec({}, 'spec-1')
      expect(first.offerId).toBe('vastai-2')
      expect(first.spec).toMatchObject({sku: 'rtx-4090', gpuTypeKey: 'rtx 4090', gpuCount: 1, minReliability: expect.any(Number)})
      expect((await byspec({}, 'spec-2')).offerId).toBe('vastai-1')
      expect((await byspec({}, 'spec-3')).offerId).toBe('vastai-3')
      const err = await refusalOf(() => byspec({}, 'spec-4'))
      expect(err.errorType).toBe('sku_unavailable')
      expect(err.message).toMatch(/No instance was created/)
    })

    it('refuses a region without a country code and an SKU not on offer, writing nothing', async () => {
      expect((await refusalOf(() => byspec({region: '1-east'}))).errorType).toBe('validation_error')
      expect((await refusalOf(() => byspec({sku: 'b300-sxm'}))).errorType).toBe('sku_unavailable')
      expect((await refusalOf(() => byspec({maxPricePerHour: toMicroUsd(0.2)}))).details).toMatchObject({searched: {max_price_per_hour: 0.2}})
      expect(await written()).toEqual(nothingWritten)
    })
  })

  describe('extending and releasing', () => {
    const insert = async (id: string, over: Parameters<typeof sessionRow>[2] = {}) => {
      const s = sessionRow(h, id, {consumerId: 'team', ...over})
      await h.ctx.store.sessions.insert(s)
      return s
    }

    it('extends the reservation from where it ends, within budget, and refuses an ending session', async () => {
      const s = await insert('sess-ext', {expiresAt: h.clock.now() + HOUR})
      const extended = await extendSession(h.ctx, s.id, 2)
      expect(extended).toMatchObject({expiresAt: s.expiresAt + 2 * HOUR, reservationHours: 3})
      expect(await h.ctx.store.sessions.get(s.id)).toMatchObject({expiresAt: s.expiresAt + 2 * HOUR, reservationHours: 3})
      expect((await h.ctx.store.events.listAfter(s.id)).at(-1)).toMatchObject({type: 'extended'})

      await h.ctx.store.budgets.upsert(LOCAL_TENANT, 'team', asMicroUsd(3 * 360_000 + 1), 0.8, 'release', h.clock.now())
      expect((await refusalOf(() => extendSession(h.ctx, s.id, 1))).errorType).toBe('insufficient_balance')

      await insert('sess-stopping', {status: 'stopping'})
      expect(await refusalOf(() => extendSession(h.ctx, 'sess-stopping', 1))).toMatchObject({errorType: 'conflict', details: {status: 'stopping'}})
      expect((await refusalOf(() => extendSession(h.ctx, 'sess-nope', 1))).errorType).toBe('not_found')
    })

    it('releases once: stopping with one release job, however often it is asked', async () => {
      const s = await insert('sess-rel', {providerInstanceId: '42'})
      expect((await releaseSession(h.ctx, s.id, {actor: 'test', message: 'done'})).status).toBe('stopping')
      expect((await releaseSession(h.ctx, s.id, {actor: 'test', message: 'done'})).status).toBe('stopping')
      expect(await h.ctx.store.jobs.openFor(s.id, 'release')).toHaveLength(1)
      expect((await h.ctx.store.events.listAfter(s.id)).filter((e) => e.toStatus === 'stopping')).toHaveLength(1)
    })

    it('queues the destruction of a failed session that still has an instance, once', async () => {
      await insert('sess-failed', {status: 'failed', providerInstanceId: '43', failureReason: 'listing_mismatch'})
      await releaseSession(h.ctx, 'sess-failed', {actor: 'test', message: 'done'})
      await releaseSession(h.ctx, 'sess-failed', {actor: 'test', message: 'done'})
      expect(await h.ctx.store.jobs.openFor('sess-failed', 'release')).toHaveLength(1)
      expect((await h.ctx.store.sessions.get('sess-failed'))!.status).toBe('failed')

      await insert('sess-never', {status: 'failed', providerInstanceId: null})
      await releaseSession(h.ctx, 'sess-never', {actor: 'test', message: 'done'})
      expect(await h.ctx.store.jobs.openFor('sess-never', 'release')).toHaveLength(0)

      // Its instance already destroyed and verified gone: nothing more to ask the provider.
      await insert('sess-gone', {status: 'failed', providerInstanceId: '44', stoppedAt: h.clock.now()})
      await releaseSession(h.ctx, 'sess-gone', {actor: 'test', message: 'done'})
      expect(await h.ctx.store.jobs.openFor('sess-gone', 'release')).toHaveLength(0)
    })
  })

  /**
   * Requests that arrive at once pass their checks as if each were alone: concurrent requests in
   * one daemon on SQLite, and two server processes on one PostgreSQL database.
   */
  describe.each(STORE_ENGINES)('at once, on $name', (engine) => {
    let opened: OpenedStore
    let a: ServiceContext
    let b: ServiceContext
    beforeEach(async () => {
      ;({opened, a, b} = await twoProcessesOn(engine, h.ctx))
      await opened.store.offers.upsertMany([offer('vastai-1'), offer('vastai-2', {pricePerHour: toMicroUsd(0.3)})])
    })
    afterEach(async () => opened.close())

    const createOn = (ctx: ServiceContext, over: Partial<CreateSessionInput>, key: string) => createSession(ctx, input(over), {key, fingerprint: input(over)})
    const refusals = (results: PromiseSettledResult<unknown>[]) => results.flatMap((r) => (r.status === 'rejected' ? [r.reason as AppError] : []))

    it('creates one session for a create and its retry', async () => {
      const [first, retry] = await Promise.all([createOn(a, {}, 'key-1'), createOn(b, {}, 'key-1')])
      expect(retry.session.id).toBe(first.session.id)
      expect((await a.store.sessions.list({limit: 10})).total).toBe(1)
    })

    it('rents a single-use offer to one create only', async () => {
      const results = await Promise.allSettled([createOn(a, {}, 'key-1'), createOn(b, {consumerId: 'other'}, 'key-2')])
      expect(refusals(results)).toMatchObject([{errorType: 'conflict', details: {offer_id: 'vastai-1'}}])
      expect((await a.store.sessions.list({limit: 10})).total).toBe(1)
    })

    it('picks a different offer for each create by spec', async () => {
      const spec: SpecRequest = {gpuType: 'RTX 4090', gpuCount: 1, region: null, maxPricePerHour: null, minReliability: null}
      const {offerId: _offerId, ...rest} = input()
      const bySpec = (ctx: ServiceContext) => createSessionBySpec(ctx, spec, rest, {key: undefined, fingerprint: spec})
      const created = await Promise.all([bySpec(a), bySpec(b)])
      expect(created.map((c) => c.session.offerId).sort()).toEqual(['vastai-1', 'vastai-2'])
    })

    it("lets only one of two creates spend what is left of the consumer's budget", async () => {
      // Given a budget each create fits alone (2 h at $0.40/h, or at $0.30/h), but not both
      await a.store.budgets.upsert(LOCAL_TENANT, 'team', asMicroUsd(2 * 400_000), 0.8, 'release', h.clock.now())
      const results = await Promise.allSettled([createOn(a, {}, 'key-1'), createOn(b, {offerId: 'vastai-2'}, 'key-2')])
      expect(refusals(results)).toMatchObject([{errorType: 'insufficient_balance'}])
      expect((await a.store.sessions.list({limit: 10})).total).toBe(1)
    })

    it('adds up the hours of two extensions', async () => {
      const s = sessionRow(h, 'sess-ext', {consumerId: 'team', expiresAt: h.clock.now() + HOUR})
      await a.store.sessions.insert(s)
      await Promise.all([extendSession(a, s.id, 1), extendSession(b, s.id, 2)])
      expect(await a.store.sessions.get(s.id)).toMatchObject({expiresAt: s.expiresAt + 3 * HOUR, reservationHours: s.reservationHours + 3})
    })
  })
})
