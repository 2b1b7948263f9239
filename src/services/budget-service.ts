import {AppError} from '../core/errors.js'
import {asMicroUsd, costForDuration, formatUsd, type MicroUsd} from '../core/money.js'
import type {Budget} from '../store/budgets-repo.js'
import type {ServiceContext} from './context.js'
import {currentMonth, totalsSince} from './cost-service.js'
import {ownerOf, requireAdmin} from './tenancy.js'

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

/** This month's spend and commitments of a consumer of the caller's tenant, against its budget (null when it has none). */
export function budgetStatus(ctx: ServiceContext, consumerId: string): BudgetStatus | null {
  const budget = ctx.store.budgets.get(ownerOf(ctx).tenantId, consumerId)
  return budget ? statusOf(ctx, budget) : null
}

/** Where one budget stands this month: its consumer's sessions are those of the budget's tenant. */
export function statusOf(ctx: ServiceContext, budget: Budget): BudgetStatus {
  const now = ctx.clock.now()
  const of = {tenantId: budget.tenantId, consumerId: budget.consumerId}
  const spent = totalsSince(ctx, of, monthStart(now)).total
  let committed = 0
  for (const s of ctx.store.sessions.list({...of, statuses: ['pending', 'provisioning', 'running'], limit: 100_000}).sessions) {
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
  requireAdmin(ctx, 'setting a budget')
  return statusOf(ctx, ctx.store.budgets.upsert(ownerOf(ctx).tenantId, consumerId, terms.monthlyLimit, terms.alertThreshold, terms.onLimit, ctx.clock.now()))
}

export function removeBudget(ctx: ServiceContext, consumerId: string): void {
  requireAdmin(ctx, 'removing a budget')
  if (!ctx.store.budgets.remove(ownerOf(ctx).tenantId, consumerId)) requireBudgetStatus(ctx, consumerId)
}

export function listBudgetStatuses(ctx: ServiceContext): BudgetStatus[] {
  return ctx.store.budgets.list(ownerOf(ctx).tenantId).map((b) => statusOf(ctx, b))
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
