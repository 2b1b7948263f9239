import {accrualPeriods} from '../core/accrual.js'
import {billedComponents, type InstanceBilling} from '../core/billing.js'
import type {LedgerEntry} from '../core/ledger-csv.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'

/**
 * Bills a session's instance into the ledger up to `until`, on the provider's terms (see
 * core/billing.ts): each component from its own origin, never past the destroy the provider
 * confirmed. Idempotent: a second call for the same span writes nothing.
 */
export async function accrueSession(ctx: ServiceContext, session: StoredSession, until: number): Promise<void> {
  await ctx.store.transaction(async () => {
    await lockLedgerOf(ctx, session.id)
    for (const entry of await unaccruedEntries(ctx, session, until)) await ctx.store.ledger.append(entry)
  })
}

/**
 * Call first in a transaction that reads a session's ledger to write it: two server processes
 * accruing (or settling) the same session at once would otherwise both see the same last period
 * and write it twice.
 */
export async function lockLedgerOf(ctx: ServiceContext, sessionId: string): Promise<void> {
  await ctx.store.db.lockKey(`ledger:${sessionId}`)
}

/**
 * The rows `accrueSession` would append up to `until`, without writing them: what a read adds
 * to the ledger to answer "up to now" between two accruals.
 */
export async function unaccruedEntries(ctx: ServiceContext, session: StoredSession, until: number, known?: InstanceBilling | null): Promise<LedgerEntry[]> {
  const billing = known === undefined ? await ctx.store.billing.get(session.id) : known
  if (!billing) return []
  const end = billing.endedAt !== null ? Math.min(until, billing.endedAt) : until
  const entries: LedgerEntry[] = []
  for (const component of billedComponents(billing)) {
    const from = (await ctx.store.ledger.accruedUntil(session.id, component.component)) ?? component.from
    const componentEnd = component.until === null ? end : Math.min(end, component.until)
    for (const period of accrualPeriods(component.from, component.pricePerHour, from, componentEnd)) {
      entries.push({
        sessionId: session.id,
        consumerId: session.consumerId,
        provider: session.provider,
        gpuType: session.gpuType,
        component: component.component,
        periodStart: period.start,
        periodEnd: period.end,
        pricePerHour: component.pricePerHour,
        amount: period.amount,
      })
    }
  }
  return entries
}

/** Rows not in the ledger yet of the instances still billing (of one consumer or session), up to `until`. */
export async function unaccruedEntriesOfRunning(
  ctx: ServiceContext,
  until: number,
  of: {tenantId?: string; consumerId?: string; sessionId?: string} = {},
): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = []
  for (const billing of await ctx.store.billing.running({consumerId: of.consumerId, sessionId: of.sessionId})) {
    const session = await ctx.store.sessions.get(billing.sessionId)
    if (!session || (of.tenantId !== undefined && session.tenantId !== of.tenantId)) continue
    entries.push(...(await unaccruedEntries(ctx, session, until, billing)))
  }
  return entries
}

/** Writes what every instance that still bills owes up to now: the lifecycle tick's explicit accrual. */
export async function accrueAll(ctx: ServiceContext): Promise<void> {
  const now = ctx.clock.now()
  for (const billing of await ctx.store.billing.running()) {
    const session = await ctx.store.sessions.get(billing.sessionId)
    if (session) await accrueSession(ctx, session, now)
  }
}

/** The provider confirmed the destroy at `endedAt`: billing stops there, and the ledger is brought up to it. */
export async function endBilling(ctx: ServiceContext, session: StoredSession, endedAt: number): Promise<void> {
  await ctx.store.billing.end(session.id, endedAt)
  await accrueSession(ctx, session, endedAt)
}
