import type {CostsReply} from '../../../core/api/costs.js'
import {formatCost} from '../format.js'
import type {Column} from './column.js'

/** One line of a cost breakdown: by provider, GPU type, consumer or component (compute, storage, settlement). */
export interface CostBreakdownRow {
  dimension: 'provider' | 'gpu_type' | 'consumer' | 'component'
  key: string
  total_cost_micro_usd: number
}

export interface CostSeriesRow {
  period: string
  total_cost_micro_usd: number
}

export const COST_BREAKDOWN_COLUMNS: readonly Column<CostBreakdownRow>[] = [
  {id: 'dimension', header: 'BY', value: (r) => r.dimension.replace('_', ' ')},
  {id: 'key', header: 'NAME', value: (r) => r.key},
  {id: 'cost', header: 'COST', align: 'right', value: (r, ctx) => formatCost(r.total_cost_micro_usd, ctx.costDigits)},
]

export const COST_SERIES_COLUMNS: readonly Column<CostSeriesRow>[] = [
  {id: 'period', header: 'PERIOD', value: (r) => r.period},
  {id: 'cost', header: 'COST', align: 'right', value: (r, ctx) => formatCost(r.total_cost_micro_usd, ctx.costDigits)},
]

/** Flattens the reply's micro-USD maps, largest first within each dimension. */
export function costBreakdownRows(
  reply: Pick<CostsReply, 'by_provider_micro_usd' | 'by_gpu_type_micro_usd'> & {by_consumer_micro_usd?: Record<string, number>; by_component_micro_usd?: Record<string, number>},
): CostBreakdownRow[] {
  const section = (dimension: CostBreakdownRow['dimension'], map: Record<string, number> | undefined): CostBreakdownRow[] =>
    Object.entries(map ?? {})
      .map(([key, total]) => ({dimension, key, total_cost_micro_usd: total}))
      .sort((a, b) => b.total_cost_micro_usd - a.total_cost_micro_usd || a.key.localeCompare(b.key))
  return [
    ...section('provider', reply.by_provider_micro_usd),
    ...section('gpu_type', reply.by_gpu_type_micro_usd),
    ...section('consumer', reply.by_consumer_micro_usd),
    ...section('component', reply.by_component_micro_usd),
  ]
}

const COMPONENT_LABELS: Record<string, string> = {compute: '  compute', storage: '  storage', settlement: '  settled with the provider'}

/** A session's cost by component, for its detail view: compute, storage (all a preserved disk bills) and the settlement, where there is any. */
export function costComponentDetails(byComponent: Record<string, number>): Array<[string, string]> {
  return Object.entries(COMPONENT_LABELS)
    .filter(([component]) => byComponent[component] !== undefined)
    .map(([component, label]) => [label, formatCost(byComponent[component]!)])
}
