import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'
import {z} from 'zod'

import {ErrorBody} from '../../src/core/api/common.js'
import {CostSummaryParams, CostSummaryReply, CostsParams, CostsReply, SessionCostReply} from '../../src/core/api/costs.js'
import {LEDGER_CSV_HEADER, ledgerCsvLine} from '../../src/core/ledger-csv.js'
import {microToUsd} from '../../src/core/money.js'
import {costReport, costSeries, currentMonth, ledgerRows, sessionCost, type CostReport} from '../../src/services/cost-service.js'
import {liveSessionCount} from '../../src/services/session-service.js'
import type {AppDeps} from '../deps.js'
import {breakdown} from '../dto.js'

const HOUR_MS = 3_600_000

/** Billed hours to the millisecond's order (6 decimals), so short sessions do not read as 0. */
const hoursUsed = (ms: number) => Math.round((ms / HOUR_MS) * 1e6) / 1e6

export function costRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const {ctx} = deps
  const simulated = ctx.simulated
  const shape = (report: CostReport, consumerId: string | undefined, startDate?: string, endDate?: string) => ({
    consumer_id: consumerId ?? null,
    start_date: startDate ?? null,
    end_date: endDate ?? null,
    total_cost: microToUsd(report.total),
    total_cost_micro_usd: report.total,
    currency: 'USD' as const,
    session_count: report.sessionCount,
    hours_used: hoursUsed(report.billedMs),
    by_provider: breakdown(report.byProvider),
    by_gpu_type: breakdown(report.byGpuType),
    by_provider_micro_usd: report.byProvider,
    by_gpu_type_micro_usd: report.byGpuType,
    simulated,
  })
  return async (app) => {
    app.get(
      '/costs',
      {schema: {querystring: CostsParams, response: {200: z.union([SessionCostReply, CostsReply]), 400: ErrorBody, 404: ErrorBody}}},
      async (request) => {
        const q = request.query
        if (q.session_id) {
          const {session, total, billedMs} = sessionCost(ctx, q.session_id)
          return {
            session_id: session.id,
            total_cost: microToUsd(total),
            total_cost_micro_usd: total,
            currency: 'USD' as const,
            hours_used: hoursUsed(billedMs),
            status: session.status,
            simulated,
          }
        }
        const query = {consumerId: q.consumer_id, startDate: q.start_date, endDate: q.end_date}
        const report = costReport(ctx, query)
        const reply = shape(report, q.consumer_id, q.start_date, q.end_date)
        if (!q.period) return reply
        const series = costSeries(ctx, query, q.period).map((p) => ({period: p.period, total_cost: microToUsd(p.total), total_cost_micro_usd: p.total}))
        return {...reply, series}
      },
    )
    app.get(
      '/costs/export',
      {schema: {querystring: CostsParams.omit({period: true}).extend({format: z.literal('csv').default('csv')})}},
      async (request, reply) => {
        const q = request.query
        const lines = [LEDGER_CSV_HEADER]
        for (const row of ledgerRows(ctx, {consumerId: q.consumer_id, sessionId: q.session_id, startDate: q.start_date, endDate: q.end_date})) lines.push(ledgerCsvLine(row))
        return reply
          .type('text/csv; charset=utf-8')
          .header('Content-Disposition', 'attachment; filename="gpu-shopper-costs.csv"')
          .send(lines.join('\r\n') + '\r\n')
      },
    )
    app.get(
      '/costs/summary',
      {schema: {querystring: CostSummaryParams, response: {200: CostSummaryReply, 400: ErrorBody}}},
      async (request) => {
        const month = currentMonth(ctx.clock.now())
        const query = {consumerId: request.query.consumer_id, startDate: month.startDate, endDate: month.endDate}
        const report = costReport(ctx, query)
        const active = liveSessionCount(ctx, request.query.consumer_id)
        return {
          ...shape(report, request.query.consumer_id, month.startDate, month.endDate),
          month: month.label,
          by_consumer: breakdown(report.byConsumer),
          by_consumer_micro_usd: report.byConsumer,
          active_sessions: active,
        }
      },
    )
  }
}
