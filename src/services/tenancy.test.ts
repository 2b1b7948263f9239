import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {offerFixture, sessionInputFixture} from '../../test/support/offer-fixture.js'
import {refusalOf} from '../../test/support/refusal.js'
import {startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import type {Principal} from '../auth/principal.js'
import {asMicroUsd} from '../core/money.js'
import {budgetStatus, listBudgetStatuses, setBudget} from './budget-service.js'
import type {ServiceContext} from './context.js'
import {costReport} from './cost-service.js'
import {createSession, getSession, listSessions, releaseSession} from './session-service.js'
import {deleteSshKey, listSshKeys, registerSshKey} from './ssh-key-service.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHqgb1p0ZbJtGdK4dxnmS8dhiBqGJ8mM5gX7Q2v1f0N3 someone'

describe('tenancy in the services', () => {
  let h: ServiceHarness
  const as = (user: string, tenant: string, role: Principal['role'] = 'member'): ServiceContext => ({...h.ctx, principal: {user, tenant, role, expiresAt: null}})
  let alice: ServiceContext
  let bob: ServiceContext
  let carol: ServiceContext

  beforeEach(async () => {
    h = await startServiceHarness()
    alice = as('alice', 'acme', 'admin')
    bob = as('bob', 'acme')
    carol = as('carol', 'globex')
    await h.ctx.store.offers.upsertMany([
      offerFixture('vastai-1', {fetchedAt: h.clock.now()}),
      offerFixture('vastai-2', {fetchedAt: h.clock.now()}),
      // acme's own node: only acme may see or rent it
      offerFixture('selfhosted-lab.cpu', {provider: 'vastai', fetchedAt: h.clock.now(), tenantId: 'acme'}),
    ])
  })
  afterEach(async () => h.close())

  it("keeps a tenant's sessions, and what they cost, from every other tenant", async () => {
    const {session} = await createSession(bob, sessionInputFixture('vastai-1'), {key: undefined, fingerprint: null})
    expect(session).toMatchObject({tenantId: 'acme', createdBy: 'bob'})
    // a teammate sees and acts on it; another tenant does not know it exists
    expect((await getSession(alice, session.id)).id).toBe(session.id)
    expect(await refusalOf(() => getSession(carol, session.id))).toMatchObject({errorType: 'not_found'})
    expect(await refusalOf(() => releaseSession(carol, session.id, {actor: 'api', message: 'x'}))).toMatchObject({errorType: 'not_found'})
    expect((await listSessions(carol, {})).total).toBe(0)
    expect((await listSessions(alice, {})).sessions.map((s) => s.session.id)).toEqual([session.id])
    // the daemon's own workers see every tenant
    expect((await getSession(h.ctx, session.id)).id).toBe(session.id)
    await h.ctx.store.ledger.append({
      sessionId: session.id,
      consumerId: 'team',
      provider: 'vastai',
      gpuType: 'RTX 4090',
      component: 'compute',
      periodStart: h.clock.now(),
      periodEnd: h.clock.now() + 60_000,
      pricePerHour: asMicroUsd(360_000),
      amount: asMicroUsd(6_000),
    })
    expect((await costReport(alice, {})).total).toBe(6_000)
    expect((await costReport(carol, {})).total).toBe(0)
  })

  it("offers a node's capacity to its tenant alone", async () => {
    expect((await h.ctx.store.offers.query({visibleTo: 'globex'})).offers.map((o) => o.id).sort()).toEqual(['vastai-1', 'vastai-2'])
    expect((await h.ctx.store.offers.query({visibleTo: 'acme'})).offers.map((o) => o.id).sort()).toEqual(['selfhosted-lab.cpu', 'vastai-1', 'vastai-2'])
    expect(await refusalOf(() => createSession(carol, sessionInputFixture('selfhosted-lab.cpu'), {key: undefined, fingerprint: null}))).toMatchObject({errorType: 'not_found'})
  })

  it('keeps SSH keys per tenant: the same key may be registered in two, and neither sees the other', async () => {
    const acmeKey = await registerSshKey(bob, 'laptop', KEY)
    const globexKey = await registerSshKey(carol, 'laptop', KEY)
    expect(globexKey.id).not.toBe(acmeKey.id)
    expect((await listSshKeys(alice)).map((k) => k.id)).toEqual([acmeKey.id])
    expect(await refusalOf(() => deleteSshKey(carol, acmeKey.id))).toMatchObject({errorType: 'not_found'})
    expect(await refusalOf(() => createSession(carol, sessionInputFixture('vastai-1', {sshKeyIds: [acmeKey.id]}), {key: undefined, fingerprint: null}))).toMatchObject({
      errorType: 'not_found',
    })
  })

  it('lets admins alone set budgets, and keeps a consumer id of two tenants apart', async () => {
    expect(await refusalOf(() => setBudget(bob, 'team', {monthlyLimit: asMicroUsd(1_000_000), alertThreshold: 0.8, onLimit: 'alert'}))).toMatchObject({
      errorType: 'forbidden',
    })
    await setBudget(alice, 'team', {monthlyLimit: asMicroUsd(1_000_000), alertThreshold: 0.8, onLimit: 'alert'})
    expect((await budgetStatus(bob, 'team'))?.budget.monthlyLimit).toBe(1_000_000)
    expect(await budgetStatus(carol, 'team')).toBeNull()
    expect(await listBudgetStatuses(carol)).toEqual([])
  })

  it("never replays one user's idempotent result to another who used the same key", async () => {
    const first = await createSession(bob, sessionInputFixture('vastai-1'), {key: 'k1', fingerprint: {a: 1}})
    const again = await createSession(bob, sessionInputFixture('vastai-1'), {key: 'k1', fingerprint: {a: 1}})
    expect(again.session.id).toBe(first.session.id)
    const other = await createSession(carol, sessionInputFixture('vastai-2'), {key: 'k1', fingerprint: {a: 1}})
    expect(other.session.id).not.toBe(first.session.id)
    expect(other.session.tenantId).toBe('globex')
  })
})
