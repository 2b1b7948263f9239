import Fastify, {type FastifyInstance} from 'fastify'
import {afterEach, describe, expect, it} from 'vitest'

import {STORE_ENGINES} from '../test/support/store-engines.js'

import {ManualClock} from '../src/core/clock.js'
import type {RateLimitRepo} from '../src/store/rate-limit-repo.js'
import {installErrorHandling, newRequestId} from './error-handler.js'
import {installRateLimit, type RateLimitOptions} from './rate-limit.js'

let apps: FastifyInstance[] = []

afterEach(async () => {
  for (const app of apps) await app.close()
  apps = []
})

/**
 * A small app with the hook over a stand-in for the auth hook: the principal arrives as
 * `x-test-user`, and a request without one (like /health) is not limited.
 */
async function appWith(rate: Pick<RateLimitOptions, 'requestsPerSecond' | 'burst'>, clock: ManualClock, shared?: RateLimitRepo) {
  const app = Fastify({genReqId: newRequestId})
  apps.push(app)
  installErrorHandling(app)
  const handle = installRateLimit(app, {
    ...rate,
    keyOf: (request) => {
      const user = request.headers['x-test-user']
      return typeof user === 'string' ? `acme/${user}` : null
    },
    now: () => clock.now(),
    ...(shared ? {shared} : {}),
  })
  let handled = 0
  app.get('/api/v1/sessions', async () => {
    handled++
    return {sessions: []}
  })
  app.get('/health', async () => ({status: 'ok'}))
  await app.ready()
  const as = (user: string | null, url = '/api/v1/sessions') => app.inject({method: 'GET', url, headers: user ? {'x-test-user': user} : {}})
  return {as, handle, handled: () => handled}
}

describe('installRateLimit', () => {
  it("refuses one user's flood with 429, Retry-After and the error shape, and leaves another user alone", async () => {
    // Given 2 requests a second per user with bursts of 3
    const clock = new ManualClock(1_000_000)
    const {as, handled} = await appWith({requestsPerSecond: 2, burst: 3}, clock)

    // When alice sends five at once, then bob one
    const alice = []
    for (let i = 0; i < 5; i++) alice.push(await as('alice'))
    const bob = await as('bob')

    // Then alice's first three pass and the rest are refused before the route runs
    expect(alice.map((r) => r.statusCode)).toEqual([200, 200, 200, 429, 429])
    expect(handled()).toBe(4)
    const refused = alice[3]!
    expect(refused.headers['retry-after']).toBe('1')
    expect(refused.headers['ratelimit-limit']).toBe('3')
    expect(refused.headers['ratelimit-remaining']).toBe('0')
    expect(refused.json()).toMatchObject({error_type: 'rate_limit_exceeded', retry_after: 1, request_id: expect.stringMatching(/^req-/)})
    expect(refused.json().error).toContain('This request was not carried out.')
    expect(alice[0]!.headers['ratelimit-remaining']).toBe('2')
    // And bob has his own full bucket
    expect(bob.statusCode).toBe(200)
    expect(bob.headers['ratelimit-remaining']).toBe('2')
  })

  it('asks for whole seconds, rounded up, and lets the user back in once they have passed', async () => {
    // Given one request every 2.5 s
    const clock = new ManualClock(0)
    const {as} = await appWith({requestsPerSecond: 0.4, burst: 1}, clock)
    await as('carol')

    // When carol asks again at once, and then after the wait she was given
    const early = await as('carol')
    clock.advance(2000)
    const stillEarly = await as('carol')
    clock.advance(500)
    const onTime = await as('carol')

    // Then she is told 3 s (2.5 rounded up), then 1 s (never 0), then served
    expect(early.statusCode).toBe(429)
    expect(early.headers['retry-after']).toBe('3')
    expect(stillEarly.headers['retry-after']).toBe('1')
    expect(onTime.statusCode).toBe(200)
  })

  it('never limits a request without a key', async () => {
    const clock = new ManualClock(0)
    const {as, handle} = await appWith({requestsPerSecond: 1, burst: 1}, clock)
    const replies = []
    for (let i = 0; i < 10; i++) replies.push(await as(null, '/health'))
    expect(replies.every((r) => r.statusCode === 200 && r.headers['ratelimit-limit'] === undefined)).toBe(true)
    expect(handle.trackedKeys).toBe(0)
  })

  it('forgets users whose bucket has refilled, so a stream of distinct users does not grow memory', async () => {
    // Given buckets that refill from empty in 2 s
    const clock = new ManualClock(0)
    const {as, handle} = await appWith({requestsPerSecond: 5, burst: 10}, clock)

    // When 500 distinct users come one after another, 10 ms apart
    for (let i = 0; i < 500; i++) {
      await as(`user-${i}`)
      clock.advance(10)
    }

    // Then only those seen in the last 2 s are tracked
    expect(handle.trackedKeys).toBe(200)
  })

  it('holds a user to one rate across server processes sharing a PostgreSQL database', async () => {
    // Given two processes on one database, each with the hook over the shared buckets
    const opened = await STORE_ENGINES.find((e) => e.name === 'postgres')!.open()
    try {
      const clock = new ManualClock(1_000_000)
      const one = await appWith({requestsPerSecond: 1, burst: 3}, clock, opened.store.rateLimits)
      const two = await appWith({requestsPerSecond: 1, burst: 3}, clock, (await opened.reopen()).rateLimits)

      // When alice sends her burst through both, Then the fourth request is refused wherever it lands
      expect((await one.as('alice')).statusCode).toBe(200)
      expect((await two.as('alice')).statusCode).toBe(200)
      const third = await one.as('alice')
      expect(third.statusCode).toBe(200)
      expect(third.headers['ratelimit-remaining']).toBe('0')
      const refused = await two.as('alice')
      expect(refused.statusCode).toBe(429)
      expect(refused.headers['retry-after']).toBe('1')
      expect((await one.as('bob')).statusCode).toBe(200)

      // And a second later one token is back, for either process
      clock.advance(1_000)
      expect((await two.as('alice')).statusCode).toBe(200)
      expect((await one.as('alice')).statusCode).toBe(429)
      expect(one.handled() + two.handled()).toBe(5)
    } finally {
      await opened.close()
    }
  })
})
