import {AppError} from '../core/errors.js'
import {asMicroUsd, costForDuration, formatUsd, type MicroUsd} from '../core/money.js'
import {isLive} from '../core/session-status.js'
import type {Budget} from '../store/budgets-repo.js'
import type {ServiceContext} from './context.js'
import {accrueAll, currentMonth} from './cost-service.js'
import {releaseSession} from './session-service.js'
import {recordSessionEvent} from './session-transitions.js'

export interface BudgetStatus {
  budget: Budget
  month: string
  /** Billed this month (ledger). */
  spent: MicroUsd
  /** What live sessions will still cost until their reservations end. */
  committed: MicroUsd
  remaining: MicroUsd
}

function monthStart(now: number): number {
  const d = new Date(now)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
}

/** This month's spend and commitments of a consumer, against its budget (null when it has none). */
export function budgetStatus(ctx: ServiceContext, consumerId: string): BudgetStatus | null {
  const budget = ctx.store.budgets.get(consumerId)
  if (!budget) return null
  const now = ctx.clock.now()
  accrueAll(ctx)
  const spent = ctx.store.ledger.totals({consumerId, from: monthStart(now)}).total
  let committed = 0
  for (const s of ctx.store.sessions.list({consumerId, statuses: ['pending', 'provisioning', 'running'], limit: 100_000}).sessions) {
    committed += costForDuration(s.pricePerHour, s.expiresAt - Math.max(now, s.startedAt ?? now))
  }
  return {
    budget,
    month: currentMonth(now).label,
    spent,
    committed: asMicroUsd(committed),
    remaining: asMicroUsd(Math.max(0, budget.monthlyLimit - spent - committed)),
  }
}

/** A consumer's budget status, or not_found naming how to set one. */
export function requireBudgetStatus(ctx: ServiceContext, consumerId: string): BudgetStatus {
  const status = budgetStatus(ctx, consumerId)
  if (!status) {
    throw new AppError('not_found', `consumer ${consumerId} has no budget; set one with \`gpu-shopper budgets set --consumer-id ${consumerId} --monthly-limit USD\``, {
      consumer_id: consumerId,
    })
  }
  return status
}

/** Sets (or replaces) a consumer's monthly budget and returns where it stands. */
export function setBudget(ctx: ServiceContext, consumerId: string, terms: {monthlyLimit: MicroUsd; alertThreshold: number; onLimit: Budget['onLimit']}): BudgetStatus {
  ctx.store.budgets.upsert(consumerId, terms.monthlyLimit, terms.alertThreshold, terms.onLimit, ctx.clock.now())
  return requireBudgetStatus(ctx, consumerId)
}

export function removeBudget(ctx: ServiceContext, consumerId: string): void {
  if (!ctx.store.budgets.remove(consumerId)) requireBudgetStatus(ctx, consumerId)
}

export function listBudgetStatuses(ctx: ServiceContext): BudgetStatus[] {
  return ctx.store.budgets.list().map((b) => requireBudgetStatus(ctx, b.consumerId))
}

/**
 * Refuses work whose expected cost would run past what is left of the consumer's monthly
 * budget (spent plus what live sessions are committed to). Nothing is created when it throws.
 */
export function assertWithinBudget(ctx: ServiceContext, consumerId: string, expectedCost: MicroUsd, what: string): void {
  const status = budgetStatus(ctx, consumerId)
  if (!status || expectedCost <= status.remaining) return
  throw new AppError(
    'insufficient_balance',
    `${what} would cost up to ${formatUsd(expectedCost)}, but only ${formatUsd(status.remaining)} of ${consumerId}'s ${formatUsd(status.budget.monthlyLimit)} monthly budget is left (${formatUsd(status.spent)} spent, ${formatUsd(status.committed)} committed). Nothing was created; raise the budget with \`gpu-shopper budgets set\` or ask for fewer hours.`,
    {
      consumer_id: consumerId,
      monthly_limit_micro_usd: status.budget.monthlyLimit,
      spent_micro_usd: status.spent,
      committed_micro_usd: status.committed,
      remaining_micro_usd: status.remaining,
      requested_micro_usd: expectedCost,
    },
  )
}

/**
 * Once a month per consumer: an alert event when spend crosses the threshold, and at the
 * limit either the release of every live session or (on_limit = alert) a second alert.
 */
export function enforceBudgets(ctx: ServiceContext): number {
  let released = 0
  for (const budget of ctx.store.budgets.list()) {
    const status = budgetStatus(ctx, budget.consumerId)
    if (!status) continue
    const now = ctx.clock.now()
    const live = ctx.store.sessions.list({consumerId: budget.consumerId, statuses: ['pending', 'provisioning', 'running'], limit: 100_000}).sessions
    const note = (type: string, message: string) => {
      ctx.log.warn({consumer_id: budget.consumerId, spent: status.spent, limit: budget.monthlyLimit}, message)
      for (const s of live) recordSessionEvent(ctx, s.id, type, {actor: 'budget', message})
    }
    if (status.spent >= budget.monthlyLimit * budget.alertThreshold && budget.alertedMonth !== status.month) {
      ctx.store.budgets.markAlerted(budget.consumerId, status.month, now)
      note('budget_alert', `${budget.consumerId} has spent ${formatUsd(status.spent)} of its ${formatUsd(budget.monthlyLimit)} budget for ${status.month} (alert at ${Math.round(budget.alertThreshold * 100)}%)`)
    }
    if (status.spent >= budget.monthlyLimit && budget.limitReachedMonth !== status.month) {
      ctx.store.budgets.markLimitReached(budget.consumerId, status.month, now)
      if (budget.onLimit === 'alert') {
        note('budget_limit', `${budget.consumerId} reached its ${formatUsd(budget.monthlyLimit)} budget for ${status.month}; sessions keep running (on_limit = alert)`)
        continue
      }
      for (const s of live) {
        if (!isLive(s.status)) continue
        releaseSession(ctx, s.id, {actor: 'budget', message: `released: ${budget.consumerId} reached its ${formatUsd(budget.monthlyLimit)} monthly budget`})
        released++
      }
    }
  }
  return released
}
