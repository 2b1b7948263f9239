import {Readable} from 'node:stream'

import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'
import {z} from 'zod'

import {ErrorBody} from '../../src/core/api/common.js'
import {CostSummaryParams, CostSummaryReply, CostsParams, CostsReply, SessionCostReply} from '../../src/core/api/costs.js'
import {LEDGER_CSV_HEADER, ledgerCsvLine, type LedgerEntry} from '../../src/core/ledger-csv.js'
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
        if (q.session_id) return sessionCostDto(await sessionCost(request.ctx, q.session_id), simulated)
        const query = {consumerId: q.consumer_id, startDate: q.start_date, endDate: q.end_date}
        return costReportDto(await costReport(request.ctx, query), q.consumer_id, q.period ? await costSeries(request.ctx, query, q.period) : undefined, simulated)
      },
    )
    app.get(
      '/costs/export',
      {schema: {querystring: CostsParams.omit({period: true}).extend({format: z.literal('csv').default('csv')})}},
      async (request, reply) => {
        const q = request.query
        // Refusals (a bad date) come from here, before the first byte: the rows then stream.
        const rows = await ledgerRows(request.ctx, {consumerId: q.consumer_id, sessionId: q.session_id, startDate: q.start_date, endDate: q.end_date})
        return reply
          .type('text/csv; charset=utf-8')
          .header('Content-Disposition', 'attachment; filename="gpu-shopper-costs.csv"')
          .send(Readable.from(csvChunks(rows)))
      },
    )
    app.get(
      '/costs/summary',
      {schema: {querystring: CostSummaryParams, response: {200: CostSummaryReply, 400: ErrorBody}}},
      async (request) => {
        return costSummaryDto(await monthSummary(request.ctx, request.query.consumer_id), request.query.consumer_id, simulated)
      },
    )
  }
}

/** Text per write: a write per row would cost a system call per row on a large export. */
const CSV_CHUNK_CHARS = 64 * 1024

async function* csvChunks(rows: AsyncIterable<LedgerEntry>): AsyncGenerator<string> {
  let chunk = `${LEDGER_CSV_HEADER}\r\n`
  for await (const row of rows) {
    chunk += `${ledgerCsvLine(row)}\r\n`
    if (chunk.length >= CSV_CHUNK_CHARS) {
      yield chunk
      chunk = ''
    }
  }
  yield chunk
}
