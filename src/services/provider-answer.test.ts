import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {sessionRow, startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {awaitProviderAnswer} from './provider-answer.js'
import {recordSessionEvent} from './session-transitions.js'

describe('awaitProviderAnswer', () => {
  let h: ServiceHarness
  beforeEach(async () => {
    h = await startServiceHarness()
  })
  afterEach(async () => h.close())

  const pending = async (id: string) => {
    const session = sessionRow(h, id, {status: 'pending', providerInstanceId: null, sshHost: null, sshPort: null, sshUser: null, startedAt: null})
    await h.ctx.store.sessions.insert(session)
    return session
  }

  it('answers at the provider instance the provision job records, without waiting out the bound', async () => {
    const session = await pending('sess-answer')
    const answer = awaitProviderAnswer(h.ctx, session, 60_000)
    await h.ctx.store.sessions.update(session.id, 'pending', {status: 'provisioning'}, h.clock.now())
    await recordSessionEvent(h.ctx, session.id, 'progress', {actor: 'provisioner', message: 'renting'})
    await h.ctx.store.sessions.update(session.id, 'provisioning', {providerInstanceId: '4242'}, h.clock.now())
    await recordSessionEvent(h.ctx, session.id, 'instance', {actor: 'provisioner', message: 'created instance 4242'})
    expect(await answer).toMatchObject({id: session.id, status: 'provisioning', providerInstanceId: '4242'})
  })

  it('sees an answer that landed before it listened', async () => {
    const session = await pending('sess-early')
    await h.ctx.store.sessions.update(session.id, 'pending', {status: 'provisioning', providerInstanceId: '77'}, h.clock.now())
    expect(await awaitProviderAnswer(h.ctx, session, 60_000)).toMatchObject({status: 'provisioning', providerInstanceId: '77'})
  })

  it('answers a session the provider refused, as failed', async () => {
    const session = await pending('sess-refused')
    const answer = awaitProviderAnswer(h.ctx, session, 60_000)
    await h.ctx.store.sessions.update(session.id, 'pending', {status: 'failed', failureReason: 'stale_inventory: gone', stoppedAt: h.clock.now()}, h.clock.now())
    await recordSessionEvent(h.ctx, session.id, 'status', {actor: 'provisioner', message: 'failed'})
    expect(await answer).toMatchObject({status: 'failed', failureReason: 'stale_inventory: gone'})
  })

  it('says pending once the bound passes with no answer, and a progress note alone is no answer', async () => {
    const session = await pending('sess-slow')
    const answer = awaitProviderAnswer(h.ctx, session, 100)
    await h.ctx.store.sessions.update(session.id, 'pending', {status: 'provisioning'}, h.clock.now())
    await recordSessionEvent(h.ctx, session.id, 'progress', {actor: 'provisioner', message: 'renting'})
    expect(await answer).toMatchObject({status: 'provisioning', providerInstanceId: null})
    const untouched = await pending('sess-untouched')
    expect(await awaitProviderAnswer(h.ctx, untouched, 50)).toMatchObject({status: 'pending', providerInstanceId: null})
  })

  it('does not wait at all with a bound of zero', async () => {
    const session = await pending('sess-nowait')
    expect(await awaitProviderAnswer(h.ctx, session, 0)).toBe(session)
  })
})
