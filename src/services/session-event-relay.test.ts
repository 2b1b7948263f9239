import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {storedSessionFixture} from '../../test/support/offer-fixture.js'
import {STORE_ENGINES, type OpenedStore} from '../../test/support/store-engines.js'

import {createLogger} from '../log/logger.js'
import type {SessionEvent} from '../store/session-events-repo.js'
import type {Store} from '../store/store.js'
import type {ServiceContext} from './context.js'
import {SessionEventBus} from './session-event-bus.js'
import {relaySessionEvents} from './session-event-relay.js'

/** What the relay needs of a server process: its store, its bus, its log. */
const processOn = (store: Store) => ({store, events: new SessionEventBus(true), log: createLogger({level: 'silent'})}) as unknown as ServiceContext

const event = (message: string) => ({sessionId: 'sess-a', at: 1_000, type: 'status', fromStatus: null, toStatus: 'pending', actor: 'api', message})

describe('relaySessionEvents on PostgreSQL', () => {
  let opened: OpenedStore
  const stops: Array<() => Promise<void>> = []
  beforeEach(async () => {
    opened = await STORE_ENGINES.find((e) => e.name === 'postgres')!.open()
    await opened.store.sessions.insert(storedSessionFixture('sess-a', 1_000))
  })
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop()
    await opened.close()
  })

  it("gives every process's subscribers each committed event once, in order, and nothing rolled back", async () => {
    // Given two processes, each relaying into its own bus, and a subscriber on the second
    const one = processOn(opened.store)
    const two = processOn(await opened.reopen())
    for (const ctx of [one, two]) stops.push((await relaySessionEvents(ctx)).stop)
    const seenByTwo: SessionEvent[] = []
    const seenByOne: SessionEvent[] = []
    two.events.subscribe('sess-a', (e) => seenByTwo.push(e))
    one.events.subscribe('sess-a', (e) => seenByOne.push(e))

    // When the first process commits two events, publishes them, and rolls a third back
    const first = await one.store.events.append(event('first'))
    one.events.publish(first)
    const second = await one.store.transaction(async () => one.store.events.append(event('second')))
    one.events.publish(second)
    await expect(
      one.store.transaction(async () => {
        await one.store.events.append(event('never'))
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    const last = await one.store.events.append(event('last'))

    // Then both processes' subscribers get the committed ones, once each, in commit order
    await expect.poll(() => seenByTwo.map((e) => e.message)).toEqual(['first', 'second', 'last'])
    await expect.poll(() => seenByOne.map((e) => e.message)).toEqual(['first', 'second', 'last'])
    expect(seenByTwo.at(-1)).toEqual(last)
  })
})
