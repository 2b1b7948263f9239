import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'
import {z} from 'zod'

import {ErrorBody} from '../../src/core/api/common.js'
import {CostSummaryParams, CostSummaryReply, CostsParams, CostsReply, SessionCostReply} from '../../src/core/api/costs.js'
import {LEDGER_CSV_HEADER, ledgerCsvLine} from '../../src/core/ledger-csv.js'
import {costReport, costSeries, ledgerRows, monthSummary, sessionCost} from '../../src/services/cost-service.js'
import type {AppDeps} from '../deps.js'
import {costReportDto, costSummaryDto, sessionCostDto} from '../dto.js'

export function costRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const simulated = deps.ctx.simulated
  return async (app) => {
    app.get(
      '/costs',
      {schema: {querystring: CostsParams, response: {200: z.union([SessionCostReply, CostsReply]), 400: ErrorBody, 404: ErrorBody}}},
      async (request) => {
        const q = request.query
        if (q.session_id) return sessionCostDto(sessionCost(request.ctx, q.session_id), simulated)
        const query = {consumerId: q.consumer_id, startDate: q.start_date, endDate: q.end_date}
        return costReportDto(costReport(request.ctx, query), query, q.period ? costSeries(request.ctx, query, q.period) : undefined, simulated)
      },
    )
    app.get(
      '/costs/export',
      {schema: {querystring: CostsParams.omit({period: true}).extend({format: z.literal('csv').default('csv')})}},
      async (request, reply) => {
        const q = request.query
        const lines = [LEDGER_CSV_HEADER]
        for (const row of ledgerRows(request.ctx, {consumerId: q.consumer_id, sessionId: q.session_id, startDate: q.start_date, endDate: q.end_date})) lines.push(ledgerCsvLine(row))
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
        return costSummaryDto(monthSummary(request.ctx, request.query.consumer_id), request.query.consumer_id, simulated)
      },
    )
  }
}
