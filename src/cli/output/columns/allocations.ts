import ansis from 'ansis'

import type {AllocationDto} from '../../../core/api/allocations.js'
import {formatClock, formatHourly, formatRemaining} from '../format.js'
import type {Column, RenderContext} from './column.js'

const STATUS_STYLE: Record<string, (text: string) => string> = {
  requested: (t) => ansis.yellow(t),
  provisioning: (t) => ansis.yellow(t),
  active: (t) => ansis.green(t),
  releasing: (t) => ansis.cyan(t),
  released: (t) => ansis.gray(t),
  failed: (t) => ansis.red(t),
}

const ENDED = new Set(['released', 'failed'])

export function connectionTarget(a: Pick<AllocationDto, 'connection'>): string {
  const c = a.connection
  return c ? `${c.ssh_user}@${c.ssh_host}:${c.ssh_port}` : '-'
}

function gpus(a: AllocationDto): string {
  return a.gpus_total > 1 ? `${a.gpus_total}x ${a.gpu_type}` : a.gpu_type
}

export const ALLOCATION_COLUMNS: readonly Column<AllocationDto>[] = [
  {id: 'id', header: 'ID', value: (a) => a.id},
  {id: 'status', header: 'STATUS', value: (a) => a.status, style: (text, a) => (STATUS_STYLE[a.status] ?? ((t: string) => t))(text)},
  {id: 'sku', header: 'SKU', value: (a) => a.sku},
  {id: 'gpu', header: 'GPU', value: gpus},
  {id: 'region', header: 'REGION', value: (a) => a.region_code ?? '-'},
  {id: 'provider', header: 'PROVIDER', value: (a) => a.provider},
  {id: 'consumer', header: 'CONSUMER', value: (a) => a.consumer_id},
  {id: 'price', header: 'PRICE', align: 'right', value: (a) => formatHourly(a.price_per_hour_micro_usd)},
  {id: 'ssh', header: 'SSH', value: connectionTarget},
  {id: 'expires', header: 'EXPIRES', value: (a, ctx) => (ENDED.has(a.status) ? '-' : `${formatClock(a.expires_at, ctx.now)} (${formatRemaining(a.expires_at, ctx.now)})`)},
]

/** The single-allocation view: label and value pairs, in reading order. */
export function allocationDetails(a: AllocationDto, ctx: RenderContext): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Allocation', a.id],
    ['Status', a.status],
    ['SKU', a.sku],
    ['GPU', `${a.gpus_total}x ${a.gpu_type}`],
    ['Region', a.region_code ?? '-'],
    ['Consumer', a.consumer_id],
    ['Provider', `${a.provider} (offer ${a.offer_id}${a.offer_attempts > 1 ? `, after ${a.offer_attempts} attempts` : ''})`],
    ['Price', formatHourly(a.price_per_hour_micro_usd)],
    ['SSH', connectionTarget(a)],
    ...(a.api_endpoint && !ENDED.has(a.status) ? [['API endpoint', a.api_endpoint] as [string, string]] : []),
    ['Created', formatClock(a.created_at, ctx.now)],
    ['Expires', ENDED.has(a.status) ? '-' : `${formatClock(a.expires_at, ctx.now)} (${formatRemaining(a.expires_at, ctx.now)})`],
  ]
  if (a.failure_reason) rows.push(['Failure', a.failure_reason])
  return rows
}
