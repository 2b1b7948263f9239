import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {AppError} from '../core/errors.js'
import {sessionRow, startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {oncePerKey, rememberResult} from './idempotency.js'
import {createSession, type CreateSessionInput} from './session-service.js'

describe('idempotency', () => {
  let h: ServiceHarness
  beforeEach(async () => {
    h = await startServiceHarness()
  })
  afterEach(async () => {
    await h.close()
  })

  it('runs an operation once per key and gives a retry the first result, whatever happened since', async () => {
    let runs = 0
    const perform = async () => ({run: ++runs})
    const request = {key: 'k-1', fingerprint: {id: 'sess-a', options: {b: 1, a: 2}}}
    expect(await oncePerKey(h.ctx, 'op', request, perform, () => 'sess-a')).toEqual({run: 1})
    // The same request with its keys in another order is the same request.
    expect(await oncePerKey(h.ctx, 'op', {key: 'k-1', fingerprint: {options: {a: 2, b: 1}, id: 'sess-a'}}, perform, () => 'sess-a')).toEqual({run: 1})
    expect(runs).toBe(1)
    // Keys are per operation, and no key means no memory.
    expect(await oncePerKey(h.ctx, 'other-op', request, perform, () => null)).toEqual({run: 2})
    expect(await oncePerKey(h.ctx, 'op', {key: undefined, fingerprint: {}}, perform, () => null)).toEqual({run: 3})
    expect(await oncePerKey(h.ctx, 'op', {key: undefined, fingerprint: {}}, perform, () => null)).toEqual({run: 4})
  })

  it('runs an operation once when its retry arrives while the first is still running', async () => {
    let runs = 0
    // The operation waits for the database, as a real one does: the retry can start meanwhile.
    const perform = async () => ({run: ++runs, sessions: (await h.ctx.store.sessions.list({limit: 1})).total})
    const request = {key: 'k-3', fingerprint: {id: 'sess-a'}}
    const [first, retry] = await Promise.all([oncePerKey(h.ctx, 'op', request, perform, () => null), oncePerKey(h.ctx, 'op', request, perform, () => null)])
    expect(retry).toEqual(first)
    expect(runs).toBe(1)
  })

  it('refuses a key reused for another request, and forgets it once it expires', async () => {
    const perform = async () => 'done'
    await oncePerKey(h.ctx, 'op', {key: 'k-2', fingerprint: {id: 'sess-a'}}, perform, () => null)
    try {
      await oncePerKey(h.ctx, 'op', {key: 'k-2', fingerprint: {id: 'sess-b'}}, perform, () => null)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(AppError)
      expect((err as AppError).errorType).toBe('conflict')
      expect((err as AppError).message).toMatch(/already used with a different request/)
    }
    h.clock.advance(h.ctx.timings.idempotencyTtlMs)
    expect(await oncePerKey(h.ctx, 'op', {key: 'k-2', fingerprint: {id: 'sess-b'}}, async () => 'again', () => null)).toBe('again')
  })

  it('replays a create recorded before results were kept as the session it created, creating nothing', async () => {
    const session = sessionRow(h, 'sess-before-upgrade', {status: 'provisioning'})
    await h.ctx.store.sessions.insert(session)
    const request = {key: 'quickstart-001', fingerprint: {offer_id: 'vastai-1', consumer_id: 'team'}}
    // A record migrated from before: it knows the session's id and nothing else.
    await rememberResult(h.ctx, 'create-session', request, null, session.id)
    const input = {offerId: 'vastai-1', consumerId: 'team'} as CreateSessionInput
    const replayed = await createSession(h.ctx, input, request)
    expect(replayed.session.id).toBe('sess-before-upgrade')
    expect(replayed.session.status).toBe('provisioning')
    expect(replayed.sshPrivateKey).toBeNull()
    expect((await h.ctx.store.sessions.list({limit: 10})).total).toBe(1)
  })
})
