import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {BudgetBody, BudgetDto, BudgetRemovedReply, BudgetsReply, ConsumerParams} from '../../src/core/api/budgets.js'
import {ErrorBody} from '../../src/core/api/common.js'
import {toMicroUsd} from '../../src/core/money.js'
import {listBudgetStatuses, removeBudget, requireBudgetStatus, setBudget} from '../../src/services/budget-service.js'
import type {AppDeps} from '../deps.js'
import {budgetDto, budgetRemovedReply} from '../dto.js'

export function budgetRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const simulated = deps.ctx.simulated
  return async (app) => {
    app.put('/consumers/:id/budget', {schema: {params: ConsumerParams, body: BudgetBody, response: {200: BudgetDto, 400: ErrorBody}}}, async (request) => {
      const b = request.body
      const status = await setBudget(request.ctx, request.params.id, {monthlyLimit: toMicroUsd(b.monthly_limit), alertThreshold: b.alert_threshold, onLimit: b.on_limit})
      return budgetDto(status, simulated)
    })
    app.get('/consumers/:id/budget', {schema: {params: ConsumerParams, response: {200: BudgetDto, 404: ErrorBody}}}, async (request) =>
      budgetDto(await requireBudgetStatus(request.ctx, request.params.id), simulated),
    )
    app.delete('/consumers/:id/budget', {schema: {params: ConsumerParams, response: {200: BudgetRemovedReply, 404: ErrorBody}}}, async (request) => {
      await removeBudget(request.ctx, request.params.id)
      return budgetRemovedReply(request.params.id, simulated)
    })
    app.get('/budgets', {schema: {response: {200: BudgetsReply}}}, async (request) => {
      const budgets = (await listBudgetStatuses(request.ctx)).map((s) => budgetDto(s, simulated))
      return {budgets, count: budgets.length, simulated}
    })
  }
}
