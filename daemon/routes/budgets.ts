import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {BudgetBody, BudgetDto, BudgetRemovedReply, BudgetsReply, ConsumerParams} from '../../src/core/api/budgets.js'
import {ErrorBody} from '../../src/core/api/common.js'
import {microToUsd, toMicroUsd} from '../../src/core/money.js'
import {listBudgetStatuses, removeBudget, requireBudgetStatus, setBudget, type BudgetStatus} from '../../src/services/budget-service.js'
import type {AppDeps} from '../app.js'

function budgetDto(s: BudgetStatus, simulated: boolean): BudgetDto {
  return {
    consumer_id: s.budget.consumerId,
    month: s.month,
    monthly_limit: microToUsd(s.budget.monthlyLimit),
    monthly_limit_micro_usd: s.budget.monthlyLimit,
    alert_threshold: s.budget.alertThreshold,
    on_limit: s.budget.onLimit,
    spent: microToUsd(s.spent),
    spent_micro_usd: s.spent,
    committed: microToUsd(s.committed),
    committed_micro_usd: s.committed,
    remaining: microToUsd(s.remaining),
    remaining_micro_usd: s.remaining,
    alerted: s.budget.alertedMonth === s.month,
    limit_reached: s.budget.limitReachedMonth === s.month,
    simulated,
  }
}

export function budgetRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const {ctx} = deps
  const simulated = ctx.simulated
  return async (app) => {
    app.put('/consumers/:id/budget', {schema: {params: ConsumerParams, body: BudgetBody, response: {200: BudgetDto, 400: ErrorBody}}}, async (request) => {
      const b = request.body
      const status = setBudget(ctx, request.params.id, {monthlyLimit: toMicroUsd(b.monthly_limit), alertThreshold: b.alert_threshold, onLimit: b.on_limit})
      return budgetDto(status, simulated)
    })
    app.get('/consumers/:id/budget', {schema: {params: ConsumerParams, response: {200: BudgetDto, 404: ErrorBody}}}, async (request) =>
      budgetDto(requireBudgetStatus(ctx, request.params.id), simulated),
    )
    app.delete('/consumers/:id/budget', {schema: {params: ConsumerParams, response: {200: BudgetRemovedReply, 404: ErrorBody}}}, async (request) => {
      removeBudget(ctx, request.params.id)
      return {message: `budget of ${request.params.id} removed`, simulated}
    })
    app.get('/budgets', {schema: {response: {200: BudgetsReply}}}, async () => {
      const budgets = listBudgetStatuses(ctx).map((s) => budgetDto(s, simulated))
      return {budgets, count: budgets.length, simulated}
    })
  }
}
