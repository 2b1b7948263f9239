import type {ServerResponse} from 'node:http'

import {afterEach, describe, expect, it} from 'vitest'

import {json, startTestServer} from '../../../test/support/http-server.js'
import {createApiClient} from '../../client/api-client.js'
import {watchAllocation} from './allocation-watch.js'
import {EXIT} from '../exit-codes.js'
import {UserError} from '../errors.js'

type Server = Awaited<ReturnType<typeof startTestServer>>
let server: Server | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** One allocation (a session underneath) whose state the test moves; events over SSE, as the daemon serves them. */
function fakeAllocationServer() {
  const state = {status: 'pending', failure: null as string | null, events: [] as Array<{id: number}>, streams: new Set<ServerResponse>()}
  const move = (to: string, failure: string | null = null) => {
    const event = {id: state.events.length + 1, session_id: 'a1', at: new Date().toISOString(), type: 'status', from_status: state.status, to_status: to, actor: 'test', message: 'moved'}
    state.status = to
    state.failure = failure
    state.events.push(event)
    for (const res of state.streams) res.write(`id: ${event.id}\nevent: session-event\ndata: ${JSON.stringify(event)}\n\n`)
  }
  let watched: () => void = () => undefined
  /** Resolves once a watcher listens to the event stream: moves made after it are sure to be streamed. */
  const whenWatched = new Promise<void>((resolve) => (watched = resolve))
  const handler = (req: {url?: string}, res: ServerResponse) => {
    if (req.url?.startsWith('/api/v1/sessions/a1/events')) {
      if (req.url.includes('after=')) return json(res, 200, {events: state.events, count: state.events.length})
      res.writeHead(200, {'content-type': 'text/event-stream'})
      state.streams.add(res)
      res.on('close', () => state.streams.delete(res))
      res.flushHeaders()
      watched()
      return
    }
    if (req.url === '/api/v1/allocations/a1') return json(res, 200, {id: 'a1', status: state.status === 'running' ? 'active' : state.status, failure_reason: state.failure})
    json(res, 200, {id: 'a1', status: state.status, failure_reason: state.failure})
    afterStatusRead(state.status)
  }
  /** Called after each read of the session's status, with the status it answered. */
  let afterStatusRead: (status: string) => void = () => undefined
  const onStatusRead = (hook: (status: string) => void) => (afterStatusRead = hook)
  return {move, handler, whenWatched, onStatusRead}
}

describe('watchAllocation', () => {
  it('narrates state changes in allocation words and returns the allocation once active', async () => {
    // Given an allocation that is requested, then provisioning, then running
    const fake = fakeAllocationServer()
    server = await startTestServer(fake.handler)
    // (each move once the watcher has read the state before it: no step can be missed or raced)
    void fake.whenWatched.then(() => fake.move('provisioning'))
    fake.onStatusRead((status) => status === 'provisioning' && fake.move('running'))
    const lines: string[] = []
    const narrate = (line: string) => lines.push(line)

    // When it is watched
    const allocation = await watchAllocation(createApiClient({baseUrl: server.url}), 'a1', {timeoutSeconds: 5, signal: new AbortController().signal, narrate})

    // Then the watch ends on active, having said so in the quick start's words
    expect(allocation).toMatchObject({id: 'a1', status: 'active'})
    expect(lines[0]).toBe('a1 is requested')
    expect(lines.join('\n')).toMatch(/requested → provisioning/)
    expect(lines.join('\n')).toMatch(/provisioning → active/)
    expect(lines.join('\n')).not.toMatch(/running|pending/)
  })

  it('fails with the reason and the provider exit code when the allocation fails', async () => {
    const fake = fakeAllocationServer()
    server = await startTestServer(fake.handler)
    void fake.whenWatched.then(() => fake.move('failed', 'stale_inventory: offer gone'))

    const err = await watchAllocation(createApiClient({baseUrl: server.url}), 'a1', {timeoutSeconds: 5, signal: new AbortController().signal, narrate: () => {}}).catch((e: unknown) => e)

    expect(err).toBeInstanceOf(UserError)
    expect(err).toMatchObject({errorType: 'allocation_failed', exitCode: EXIT.PROVIDER, details: {allocation_id: 'a1', status: 'failed'}})
    expect((err as Error).message).toBe('allocation a1 failed: stale_inventory: offer gone')
  })

  it('stops on Ctrl-C and says the allocation was left as it is', async () => {
    const fake = fakeAllocationServer()
    server = await startTestServer(fake.handler)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)

    const err = await watchAllocation(createApiClient({baseUrl: server.url}), 'a1', {timeoutSeconds: 5, signal: controller.signal, narrate: () => {}}).catch((e: unknown) => e)

    expect(err).toMatchObject({errorType: 'interrupted', exitCode: EXIT.INTERRUPTED})
    expect((err as Error).message).toMatch(/stopped watching; allocation a1 is requested and was left as it is/)
  })
})
