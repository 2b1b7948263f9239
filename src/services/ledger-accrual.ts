import {accrualPeriods} from '../core/accrual.js'
import {billedComponents} from '../core/billing.js'
import type {LedgerEntry} from '../core/ledger-csv.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'

/**
 * Bills a session's instance into the ledger up to `until`, on the provider's terms (see
 * core/billing.ts): each component from its own origin, never past the destroy the provider
 * confirmed. Idempotent: a second call for the same span writes nothing.
 */
export function accrueSession(ctx: ServiceContext, session: StoredSession, until: number): void {
  ctx.store.transaction(() => {
    for (const entry of unaccruedEntries(ctx, session, until)) ctx.store.ledger.append(entry)
  })
}

/**
 * The rows `accrueSession` would append up to `until`, without writing them: what a read adds
 * to the ledger to answer "up to now" between two accruals.
 */
export function unaccruedEntries(ctx: ServiceContext, session: StoredSession, until: number, billing = ctx.store.billing.get(session.id)): LedgerEntry[] {
  if (!billing) return []
  const end = billing.endedAt !== null ? Math.min(until, billing.endedAt) : until
  const entries: LedgerEntry[] = []
  for (const component of billedComponents(billing)) {
    const from = ctx.store.ledger.accruedUntil(session.id, component.component) ?? component.from
    for (const period of accrualPeriods(component.from, component.pricePerHour, from, end)) {
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
export function unaccruedEntriesOfRunning(ctx: ServiceContext, until: number, of: {tenantId?: string; consumerId?: string; sessionId?: string} = {}): LedgerEntry[] {
  return ctx.store.billing.running({consumerId: of.consumerId, sessionId: of.sessionId}).flatMap((billing) => {
    const session = ctx.store.sessions.get(billing.sessionId)
    if (!session || (of.tenantId !== undefined && session.tenantId !== of.tenantId)) return []
    return unaccruedEntries(ctx, session, until, billing)
  })
}

/** Writes what every instance that still bills owes up to now: the lifecycle tick's explicit accrual. */
export function accrueAll(ctx: ServiceContext): void {
  const now = ctx.clock.now()
  for (const billing of ctx.store.billing.running()) {
    const session = ctx.store.sessions.get(billing.sessionId)
    if (session) accrueSession(ctx, session, now)
  }
}

/** The provider confirmed the destroy at `endedAt`: billing stops there, and the ledger is brought up to it. */
export function endBilling(ctx: ServiceContext, session: StoredSession, endedAt: number): void {
  ctx.store.billing.end(session.id, endedAt)
  accrueSession(ctx, session, endedAt)
}

