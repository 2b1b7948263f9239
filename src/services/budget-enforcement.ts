import {formatUsd} from '../core/money.js'
import {isLive} from '../core/session-status.js'
import type {Budget} from '../store/budgets-repo.js'
import {statusOf} from './budget-service.js'
import type {ServiceContext} from './context.js'
import {releaseSession} from './session-service.js'
import {recordSessionEvent} from './session-transitions.js'

/**
 * Once a month per consumer: an alert event when spend crosses the threshold, and at the
 * limit either the release of every live session or (on_limit = alert) a second alert.
 */
export async function enforceBudgets(ctx: ServiceContext): Promise<number> {
  let released = 0
  for (const listed of await ctx.store.budgets.list()) {
    // Each budget is judged and acted on in one transaction: a session created after the
    // spend was read would otherwise escape the release, and the month is marked done.
    released += await ctx.store.transaction(async () => {
      const budget = await ctx.store.budgets.get(listed.tenantId, listed.consumerId)
      return budget ? enforceBudget(ctx, budget) : 0
    })
  }
  return released
}

async function enforceBudget(ctx: ServiceContext, budget: Budget): Promise<number> {
  const status = await statusOf(ctx, budget)
  const now = ctx.clock.now()
  const live = (await ctx.store.sessions.list({tenantId: budget.tenantId, consumerId: budget.consumerId, statuses: ['pending', 'provisioning', 'running'], limit: 100_000})).sessions
  const note = async (type: string, message: string) => {
    ctx.log.warn({tenant: budget.tenantId, consumer_id: budget.consumerId, spent: status.spent, limit: budget.monthlyLimit}, message)
    for (const s of live) await recordSessionEvent(ctx, s.id, type, {actor: 'budget', message})
  }
  if (status.spent >= budget.monthlyLimit * budget.alertThreshold && budget.alertedMonth !== status.month) {
    await ctx.store.budgets.markAlerted(budget, status.month, now)
    await note('budget_alert', `${budget.consumerId} has spent ${formatUsd(status.spent)} of its ${formatUsd(budget.monthlyLimit)} budget for ${status.month} (alert at ${Math.round(budget.alertThreshold * 100)}%)`)
  }
  if (status.spent < budget.monthlyLimit || budget.limitReachedMonth === status.month) return 0
  await ctx.store.budgets.markLimitReached(budget, status.month, now)
  if (budget.onLimit === 'alert') {
    await note('budget_limit', `${budget.consumerId} reached its ${formatUsd(budget.monthlyLimit)} budget for ${status.month}; sessions keep running (on_limit = alert)`)
    return 0
  }
  let released = 0
  for (const s of live) {
    if (!isLive(s.status)) continue
    // A preserved disk bills on after a release: reaching the limit destroys it, as it would any spending.
    const preserved = s.status === 'preserved'
    await releaseSession(
      ctx,
      s.id,
      {actor: 'budget', message: `${preserved ? 'destroying the preserved disk' : 'released'}: ${budget.consumerId} reached its ${formatUsd(budget.monthlyLimit)} monthly budget`},
      preserved ? 'destroy' : 'release',
    )
    released++
  }
  return released
}
