import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {CONSUMER_ID_MAX_LENGTH} from '../src/core/limits.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'

/** One consumer id rule for every route that takes one, in a body, a query or a path. */
describe('consumer ids', () => {
  let test: TestDaemon
  const headers = () => ({authorization: `Bearer ${test.daemon.token}`, 'content-type': 'application/json'})
  const call = (method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) =>
    test.daemon.app.inject({method, url, headers: headers(), ...(payload ? {payload: JSON.stringify(payload)} : {})})

  beforeAll(async () => {
    test = await startTestDaemon('consumer-id')
  })
  afterAll(async () => test?.close())

  // The longest valid id, with the characters a client percent-encodes in a path (@ and :).
  const longest = 'team@lab:'.repeat(Math.ceil(CONSUMER_ID_MAX_LENGTH / 9)).slice(0, CONSUMER_ID_MAX_LENGTH)
  const tooLong = `${longest}x`

  it('accepts the longest valid id on budgets in the path, sessions and costs', async () => {
    expect(longest).toHaveLength(CONSUMER_ID_MAX_LENGTH)
    const path = `/api/v1/consumers/${encodeURIComponent(longest)}/budget`
    const put = await call('PUT', path, {monthly_limit: 100})
    expect(put.statusCode, put.body).toBe(200)
    expect(put.json().consumer_id).toBe(longest)
    expect((await call('GET', path)).statusCode).toBe(200)
    expect((await call('GET', `/api/v1/consumers/${longest}/budget`)).statusCode).toBe(200)
    for (const url of ['/api/v1/sessions', '/api/v1/costs', '/api/v1/costs/summary', '/api/v1/allocations']) {
      const res = await call('GET', `${url}?consumer_id=${encodeURIComponent(longest)}`)
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200)
    }
  })

  it('refuses one character more the same way everywhere: a 400 naming the field', async () => {
    const replies = [
      await call('PUT', `/api/v1/consumers/${encodeURIComponent(tooLong)}/budget`, {monthly_limit: 100}),
      await call('GET', `/api/v1/consumers/${encodeURIComponent(tooLong)}/budget`),
      await call('POST', '/api/v1/sessions', {consumer_id: tooLong, offer_id: 'vastai-1', workload_type: 'ssh', reservation_hours: 1}),
      await call('POST', '/api/v1/allocations', {consumer_id: tooLong, sku: 'rtx-4090', gpus_total: 1}),
      ...(await Promise.all(
        ['/api/v1/sessions', '/api/v1/costs', '/api/v1/costs/summary', '/api/v1/allocations'].map((url) => call('GET', `${url}?consumer_id=${encodeURIComponent(tooLong)}`)),
      )),
    ]
    for (const res of replies) {
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json()).toMatchObject({error_type: 'validation_error'})
      expect(res.json().error).toMatch(new RegExp(`(consumer_id|id): .*${CONSUMER_ID_MAX_LENGTH}`))
      expect(res.json().request_id).toMatch(/^req-/)
    }
  })
})
