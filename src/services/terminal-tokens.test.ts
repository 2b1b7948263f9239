import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {STORE_ENGINES, type OpenedStore} from '../../test/support/store-engines.js'

import {LOCAL_PRINCIPAL} from '../auth/principal.js'
import {ManualClock} from '../core/clock.js'
import {TerminalTokens} from './terminal-tokens.js'

describe.each(STORE_ENGINES)('TerminalTokens ($name)', (engine) => {
  let opened: OpenedStore
  let clock: ManualClock
  const tokens = (ttlMs?: number) => new TerminalTokens({clock, store: opened.store}, ttlMs)
  beforeEach(async () => {
    opened = await engine.open()
    clock = new ManualClock(1_000)
  })
  afterEach(() => opened.close())

  it('hands out a random 256-bit token that works exactly once, on whichever process it is presented', async () => {
    // Given a store
    const store = tokens()
    // When a token is minted for a session
    const {token, expiresIn} = await store.mint('sess-a', LOCAL_PRINCIPAL)
    // Then it is long, URL-safe, valid for 60 s and usable once, through another process too
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect((await store.mint('sess-a', LOCAL_PRINCIPAL)).token).not.toBe(token)
    expect(expiresIn).toBe(60)
    const elsewhere = new TerminalTokens({clock, store: await opened.reopen()})
    expect(await elsewhere.consume(token)).toEqual({sessionId: 'sess-a', principal: LOCAL_PRINCIPAL})
    expect(await store.consume(token)).toBeNull()
  })

  it('refuses a token once its time is up, and forgets it', async () => {
    const store = tokens(5_000)
    const {token, expiresIn} = await store.mint('sess-b', LOCAL_PRINCIPAL)
    expect(expiresIn).toBe(5)
    clock.advance(5_000)
    expect(await store.consume(token)).toBeNull()
    expect(await store.outstanding()).toBe(0)
  })

  it('keeps only hashes: the token itself is nowhere in the database', async () => {
    const {token} = await tokens().mint('sess-c', LOCAL_PRINCIPAL)
    const rows = JSON.stringify(await opened.store.db.all('SELECT * FROM terminal_tokens'))
    expect(rows).not.toContain(token)
    expect(rows).toContain('sess-c')
  })

  it('refuses empty and unknown tokens', async () => {
    const store = tokens()
    await store.mint('sess-d', LOCAL_PRINCIPAL)
    expect(await store.consume('')).toBeNull()
    expect(await store.consume('not-a-token')).toBeNull()
    expect(await store.outstanding()).toBe(1)
  })

  it('bounds the tokens outstanding by evicting the oldest', async () => {
    const store = tokens()
    const first = (await store.mint('sess-e', LOCAL_PRINCIPAL)).token
    for (let i = 0; i < 1_000; i++) {
      clock.advance(1)
      await store.mint('sess-e', LOCAL_PRINCIPAL)
    }
    expect(await store.outstanding()).toBe(1_000)
    expect(await store.consume(first)).toBeNull()
  })
})
