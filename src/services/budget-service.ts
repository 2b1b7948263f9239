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
export async function budgetStatus(ctx: ServiceContext, consumerId: string): Promise<BudgetStatus | null> {
  const budget = await ctx.store.budgets.get(ownerOf(ctx).tenantId, consumerId)
  return budget ? statusOf(ctx, budget) : null
}

/** Where one budget stands this month: its consumer's sessions are those of the budget's tenant. */
export async function statusOf(ctx: ServiceContext, budget: Budget): Promise<BudgetStatus> {
  const now = ctx.clock.now()
  const of = {tenantId: budget.tenantId, consumerId: budget.consumerId}
  // One snapshot: a session ending between the two reads would count as spent and committed.
  const {spent, live} = await ctx.store.snapshot(async () => ({
    spent: (await totalsSince(ctx, of, monthStart(now))).total,
    live: (await ctx.store.sessions.list({...of, statuses: ['pending', 'provisioning', 'running'], limit: 100_000})).sessions,
  }))
  let committed = 0
  for (const s of live) {
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
export async function requireBudgetStatus(ctx: ServiceContext, consumerId: string): Promise<BudgetStatus> {
  const status = await budgetStatus(ctx, consumerId)
  if (!status) {
    throw new AppError('not_found', `consumer ${consumerId} has no budget; set one with \`gpu-shopper budgets set --consumer-id ${consumerId} --monthly-limit USD\``, {
      consumer_id: consumerId,
    })
  }
  return status
}

/** Sets (or replaces) a consumer's monthly budget and returns where it stands. */
export async function setBudget(ctx: ServiceContext, consumerId: string, terms: {monthlyLimit: MicroUsd; alertThreshold: number; onLimit: Budget['onLimit']}): Promise<BudgetStatus> {
  requireAdmin(ctx, 'setting a budget')
  return statusOf(ctx, await ctx.store.budgets.upsert(ownerOf(ctx).tenantId, consumerId, terms.monthlyLimit, terms.alertThreshold, terms.onLimit, ctx.clock.now()))
}

export async function removeBudget(ctx: ServiceContext, consumerId: string): Promise<void> {
  requireAdmin(ctx, 'removing a budget')
  if (!(await ctx.store.budgets.remove(ownerOf(ctx).tenantId, consumerId))) await requireBudgetStatus(ctx, consumerId)
}

export async function listBudgetStatuses(ctx: ServiceContext): Promise<BudgetStatus[]> {
  const statuses: BudgetStatus[] = []
  for (const budget of await ctx.store.budgets.list(ownerOf(ctx).tenantId)) statuses.push(await statusOf(ctx, budget))
  return statuses
}

/**
 * Refuses work whose expected cost would run past what is left of the consumer's monthly
 * budget (spent plus what live sessions are committed to). Nothing is created when it throws.
 * The caller makes the check and the creation one transaction, or two requests could each
 * pass against the same remainder.
 */
export async function assertWithinBudget(ctx: ServiceContext, consumerId: string, expectedCost: MicroUsd, what: string): Promise<void> {
  const status = await budgetStatus(ctx, consumerId)
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
