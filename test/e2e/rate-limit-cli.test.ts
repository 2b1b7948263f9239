import {afterEach, describe, expect, it} from 'vitest'

import {EXIT} from '../../src/cli/exit-codes.js'
import {runCli} from '../support/cli.js'
import {json, startTestServer} from '../support/http-server.js'
import {createTempHome, type TempHome} from '../support/temp-home.js'

/**
 * The real binary against a team server that rate-limits it: a plain HTTP server on loopback
 * that answers 429 as the team server does, so the test decides exactly when.
 */
describe('the CLI waits out a team server rate limit', () => {
  let home: TempHome | undefined
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined

  afterEach(async () => {
    await server?.close()
    await home?.cleanup()
    server = undefined
    home = undefined
  })

  const limited = (res: Parameters<typeof json>[0], retryAfter: string) =>
    json(
      res,
      429,
      {error: 'rate limit exceeded: at most 20 requests a second per user (bursts of 60)', error_type: 'rate_limit_exceeded', request_id: 'req-rl', retry_after: Number(retryAfter)},
      {'Retry-After': retryAfter},
    )

  it('retries after Retry-After, says so on stderr each time, and prints the result', async () => {
    // Given a server that refuses the sessions listing twice with Retry-After: 1, then answers
    let listings = 0
    server = await startTestServer((req, res) => {
      if (!req.url?.startsWith('/api/v1/sessions')) return json(res, 404, {error: 'no such endpoint', error_type: 'not_found'})
      if (listings++ < 2) return limited(res, '1')
      json(res, 200, {sessions: [], count: 0, total: 0, simulated: false})
    })
    home = await createTempHome({GPU_SHOPPER_TOKEN: 'team-token'})

    // When the sessions are listed through it
    const result = await runCli(['sessions', '--server', server.url, '--json'], {env: home.env})

    // Then the command succeeds with the list on stdout, after two notices on stderr
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json()).toMatchObject({ok: true, data: {sessions: [], count: 0}})
    expect(result.stderr.split('\n').filter((l) => l.includes('rate limited'))).toEqual([
      `rate limited by ${server.url}; retrying in 1 s (1/3)`,
      `rate limited by ${server.url}; retrying in 1 s (2/3)`,
    ])
    expect(server.requests).toHaveLength(3)
    expect(server.requests.every((r) => r.method === 'GET' && r.url === '/api/v1/sessions' && r.headers.authorization === 'Bearer team-token')).toBe(true)
  })

  it('does not sit out a long limit: it says the limit was hit and when to try again', async () => {
    // Given a server that asks for a minute
    server = await startTestServer((_req, res) => limited(res, '60'))
    home = await createTempHome({GPU_SHOPPER_TOKEN: 'team-token'})

    // When the sessions are listed through it
    const result = await runCli(['sessions', '--server', server.url], {env: home.env})

    // Then it gives up at once, without a retry, naming the limit and the wait
    expect(server.requests).toHaveLength(1)
    expect(result.exitCode).toBe(EXIT.PROVIDER)
    expect(result.stderr).not.toContain('retrying')
    expect(result.stderr).toContain(`${server.url} refused the request: its rate limit for your user was hit. The request was not carried out.`)
    expect(result.stderr).toMatch(/Try again in 60 s \(after \d\d:\d\d:\d\d UTC\)/)
  })
})
