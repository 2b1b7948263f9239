import {describe, expect, it} from 'vitest'

import {LOCAL_PRINCIPAL} from '../../src/auth/principal.js'
import {ManualClock} from '../../src/core/clock.js'
import {TerminalTokenStore} from './token-store.js'

describe('TerminalTokenStore', () => {
  it('hands out a random 256-bit token that works exactly once', () => {
    // Given a store
    const store = new TerminalTokenStore({clock: new ManualClock(0)})
    // When a token is minted for a session
    const {token, expiresIn} = store.mint('sess-a', LOCAL_PRINCIPAL)
    // Then it is long, URL-safe, valid for 60 s and usable once
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(store.mint('sess-a', LOCAL_PRINCIPAL).token).not.toBe(token)
    expect(expiresIn).toBe(60)
    expect(store.consume(token)).toEqual({sessionId: 'sess-a', principal: LOCAL_PRINCIPAL})
    expect(store.consume(token)).toBeNull()
  })

  it('refuses a token once its time is up, and forgets it', () => {
    const clock = new ManualClock(1_000)
    const store = new TerminalTokenStore({clock, ttlMs: 5_000})
    const {token, expiresIn} = store.mint('sess-b', LOCAL_PRINCIPAL)
    expect(expiresIn).toBe(5)
    clock.advance(5_000)
    expect(store.consume(token)).toBeNull()
    expect(store.outstanding).toBe(0)
  })

  it('keeps only hashes: the token itself is nowhere in the store', () => {
    const store = new TerminalTokenStore({clock: new ManualClock(0)})
    const {token} = store.mint('sess-c', LOCAL_PRINCIPAL)
    const internals = JSON.stringify([...(store as unknown as {entries: Map<string, unknown>}).entries])
    expect(internals).not.toContain(token)
    expect(internals).toContain('sess-c')
  })

  it('refuses empty and unknown tokens', () => {
    const store = new TerminalTokenStore({clock: new ManualClock(0)})
    store.mint('sess-d', LOCAL_PRINCIPAL)
    expect(store.consume('')).toBeNull()
    expect(store.consume('not-a-token')).toBeNull()
    expect(store.outstanding).toBe(1)
  })

  it('bounds the tokens outstanding by evicting the oldest', () => {
    const store = new TerminalTokenStore({clock: new ManualClock(0)})
    const first = store.mint('sess-e', LOCAL_PRINCIPAL).token
    for (let i = 0; i < 1_000; i++) store.mint('sess-e', LOCAL_PRINCIPAL)
    expect(store.outstanding).toBe(1_000)
    expect(store.consume(first)).toBeNull()
  })
})
