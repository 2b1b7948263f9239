import {afterEach, describe, expect, it} from 'vitest'

import {json, startTestServer} from '../../../test/support/http-server.js'
import {createApiClient} from '../../client/api-client.js'
import {followRetryChain} from './follow-retries.js'

type Server = Awaited<ReturnType<typeof startTestServer>>
let server: Server | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Sessions by id as the daemon shows them; their events streams stay open and quiet. */
function chainServer(sessions: Record<string, {status: string; retried_as: string | null}>) {
  return (req: {url?: string}, res: import('node:http').ServerResponse) => {
    const match = /^\/api\/v1\/sessions\/([^/?]+)(\/events)?/.exec(req.url ?? '')
    const session = match && sessions[match[1]!]
    if (!session) return json(res, 404, {error: 'no such session', error_type: 'not_found', request_id: 'r'})
    if (match[2]) return json(res, 200, {events: [], count: 0})
    json(res, 200, {id: match[1], failure_reason: session.status === 'failed' ? 'the host did not let us in' : null, ...session})
  }
}

describe('followRetryChain', () => {
  it('follows a failed try to the session that took its place, telling each hand-over, and ends on the one that runs', async () => {
    server = await startTestServer(chainServer({'sess-a1': {status: 'failed', retried_as: 'sess-a2'}, 'sess-a2': {status: 'failed', retried_as: 'sess-a3'}, 'sess-a3': {status: 'running', retried_as: null}}))
    const handed: string[] = []
    const outcome = await followRetryChain(createApiClient({baseUrl: server.url}), 'sess-a1', {
      until: ['running'],
      timeoutMs: 10_000,
      onRetry: (failed, next) => handed.push(`${failed.id}->${next}`),
    })
    expect(outcome).toMatchObject({kind: 'reached', session: {id: 'sess-a3', status: 'running'}})
    expect(handed).toEqual(['sess-a1->sess-a2', 'sess-a2->sess-a3'])
  })

  it('ends on a failed session that nothing took the place of', async () => {
    server = await startTestServer(chainServer({'sess-b1': {status: 'failed', retried_as: null}}))
    const outcome = await followRetryChain(createApiClient({baseUrl: server.url}), 'sess-b1', {until: ['running'], timeoutMs: 10_000})
    expect(outcome).toMatchObject({kind: 'ended', session: {id: 'sess-b1', status: 'failed'}})
  })
})
