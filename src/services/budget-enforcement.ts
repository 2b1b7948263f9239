import {formatUsd} from '../core/money.js'
import {isLive} from '../core/session-status.js'
import {statusOf} from './budget-service.js'
import type {ServiceContext} from './context.js'
import {releaseSession} from './session-service.js'
import {recordSessionEvent} from './session-transitions.js'

/**
 * Once a month per consumer: an alert event when spend crosses the threshold, and at the
 * limit either the release of every live session or (on_limit = alert) a second alert.
 */
export function enforceBudgets(ctx: ServiceContext): number {
  let released = 0
  for (const budget of ctx.store.budgets.list()) {
    const status = statusOf(ctx, budget)
    const now = ctx.clock.now()
    const live = ctx.store.sessions.list({tenantId: budget.tenantId, consumerId: budget.consumerId, statuses: ['pending', 'provisioning', 'running'], limit: 100_000}).sessions
    const note = (type: string, message: string) => {
      ctx.log.warn({tenant: budget.tenantId, consumer_id: budget.consumerId, spent: status.spent, limit: budget.monthlyLimit}, message)
      for (const s of live) recordSessionEvent(ctx, s.id, type, {actor: 'budget', message})
    }
    if (status.spent >= budget.monthlyLimit * budget.alertThreshold && budget.alertedMonth !== status.month) {
      ctx.store.budgets.markAlerted(budget, status.month, now)
      note('budget_alert', `${budget.consumerId} has spent ${formatUsd(status.spent)} of its ${formatUsd(budget.monthlyLimit)} budget for ${status.month} (alert at ${Math.round(budget.alertThreshold * 100)}%)`)
    }
    if (status.spent >= budget.monthlyLimit && budget.limitReachedMonth !== status.month) {
      ctx.store.budgets.markLimitReached(budget, status.month, now)
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
