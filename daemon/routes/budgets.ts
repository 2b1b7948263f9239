import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {BudgetBody, BudgetDto, BudgetsReply, ConsumerParams} from '../../src/core/api/budgets.js'
import {ErrorBody, MessageReply} from '../../src/core/api/common.js'
import {AppError} from '../../src/core/errors.js'
import {microToUsd, toMicroUsd} from '../../src/core/money.js'
import {budgetStatus, type BudgetStatus} from '../../src/services/budget-service.js'
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
  const statusOf = (consumerId: string) => {
    const status = budgetStatus(ctx, consumerId)
    if (!status) throw new AppError('not_found', `consumer ${consumerId} has no budget; set one with \`gpu-shopper budgets set --consumer-id ${consumerId} --monthly-limit USD\``, {consumer_id: consumerId})
    return status
  }
  return async (app) => {
    app.put('/consumers/:id/budget', {schema: {params: ConsumerParams, body: BudgetBody, response: {200: BudgetDto, 400: ErrorBody}}}, async (request) => {
      const b = request.body
      ctx.store.budgets.upsert(request.params.id, toMicroUsd(b.monthly_limit), b.alert_threshold, b.on_limit, ctx.clock.now())
      return budgetDto(statusOf(request.params.id), simulated)
    })
    app.get('/consumers/:id/budget', {schema: {params: ConsumerParams, response: {200: BudgetDto, 404: ErrorBody}}}, async (request) =>
      budgetDto(statusOf(request.params.id), simulated),
    )
    app.delete('/consumers/:id/budget', {schema: {params: ConsumerParams, response: {200: MessageReply.omit({session_id: true}), 404: ErrorBody}}}, async (request) => {
      if (!ctx.store.budgets.remove(request.params.id)) statusOf(request.params.id)
      return {message: `budget of ${request.params.id} removed`, simulated}
    })
    app.get('/budgets', {schema: {response: {200: BudgetsReply}}}, async () => {
      const budgets = ctx.store.budgets.list().map((b) => budgetDto(statusOf(b.consumerId), simulated))
      return {budgets, count: budgets.length, simulated}
    })
  }
}
