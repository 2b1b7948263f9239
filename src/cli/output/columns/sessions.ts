import ansis from 'ansis'

import type {SessionDto} from '../../../core/api/sessions.js'
import {isTerminal} from '../../../core/session-status.js'
import {formatClock, formatCost, formatHourly, formatRemaining} from '../format.js'
import type {Column, RenderContext} from './column.js'

const STATUS_STYLE: Record<string, (text: string) => string> = {
  pending: (t) => ansis.yellow(t),
  provisioning: (t) => ansis.yellow(t),
  running: (t) => ansis.green(t),
  stopping: (t) => ansis.cyan(t),
  stopped: (t) => ansis.gray(t),
  failed: (t) => ansis.red(t),
}

export function sshTarget(session: Pick<SessionDto, 'ssh_host' | 'ssh_port' | 'ssh_user'>): string {
  if (!session.ssh_host) return '-'
  return `${session.ssh_user ?? 'root'}@${session.ssh_host}:${session.ssh_port ?? 22}`
}

export const SESSION_COLUMNS: readonly Column<SessionDto>[] = [
  {id: 'id', header: 'ID', value: (s) => s.id},
  {id: 'status', header: 'STATUS', value: (s) => s.status, style: (text, s) => (STATUS_STYLE[s.status] ?? ((t: string) => t))(text)},
  {id: 'gpu', header: 'GPU', value: (s) => (s.gpu_count > 1 ? `${s.gpu_count}x ${s.gpu_type}` : s.gpu_type)},
  {id: 'provider', header: 'PROVIDER', value: (s) => s.provider},
  {id: 'consumer', header: 'CONSUMER', value: (s) => s.consumer_id},
  {id: 'price', header: 'PRICE', align: 'right', value: (s) => formatHourly(s.price_per_hour_micro_usd)},
  {id: 'cost', header: 'COST', align: 'right', value: (s) => formatCost(s.total_cost_micro_usd)},
  {id: 'ssh', header: 'SSH', value: (s) => sshTarget(s)},
  {
    id: 'expires',
    header: 'EXPIRES',
    value: (s, ctx) => (s.status === 'stopped' || s.status === 'failed' ? '-' : `${formatClock(s.expires_at, ctx.now)} (${formatRemaining(s.expires_at, ctx.now)})`),
  },
]

/** The single-session view: label and value pairs, in reading order. */
export function sessionDetails(s: SessionDto, ctx: RenderContext): Array<[string, string]> {
  // An ended session has no expiry ahead and no address to reach: say when it ended instead.
  const ended = isTerminal(s.status)
  const rows: Array<[string, string]> = [
    ['Session', s.id],
    ['Status', s.status],
    ['Consumer', s.consumer_id],
    ['GPU', `${s.gpu_count}x ${s.gpu_type}`],
    ['Provider', `${s.provider}${s.provider_instance_id ? ` (instance ${s.provider_instance_id})` : ''}`],
    ['Offer', s.offer_id],
    ['Workload', workloadLine(s)],
    ...(s.template_hash_id ? [['Template', `vastai-${s.template_hash_id}`] as [string, string]] : []),
    ...launchRows(s, ended),
    ['Price', formatHourly(s.price_per_hour_micro_usd)],
    ['Cost so far', formatCost(s.total_cost_micro_usd)],
    ['SSH', ended ? '-' : sshTarget(s)],
    ['Host key', s.ssh_host_key_fingerprint ?? '-'],
    ['Disk', `${s.disk_gb} GB (${s.storage_policy})`],
    ['Idle shutdown', s.idle_threshold_minutes > 0 ? `after ${s.idle_threshold_minutes} min idle` : 'off'],
    ['Created', formatClock(s.created_at, ctx.now)],
    ['Started', formatClock(s.started_at, ctx.now)],
    ended
      ? ['Ended', `${formatClock(s.stopped_at, ctx.now)} (${s.reservation_hours} h were reserved)`]
      : ['Expires', `${formatClock(s.expires_at, ctx.now)} (${formatRemaining(s.expires_at, ctx.now)}, ${s.reservation_hours} h reserved)`],
  ]
  if (s.failure_reason) rows.push(['Failure', s.failure_reason])
  rows.push(...retryRows(s))
  return rows
}

/** Its auto-retry terms and place in a chain of tries; nothing for a session without either. */
function retryRows(s: SessionDto): Array<[string, string]> {
  const rows: Array<[string, string]> = []
  const terms = s.auto_retry
  if (terms) {
    const ssh = terms.ssh_timeout_seconds === null ? 'the provisioning timeout' : `${terms.ssh_timeout_seconds} s`
    rows.push(['Auto-retry', `up to ${terms.max_retries} other hosts (${terms.retry_scope}) if this one does not boot or let us in within ${ssh}`])
  }
  if (s.retry_of) rows.push(['Retry of', `${s.retry_of} (try ${s.retry_attempt + 1}; its host failed)`])
  if (s.retried_as) rows.push(['Retried as', `${s.retried_as}: its host failed and that session took its place (gpu-shopper sessions get ${s.retried_as})`])
  return rows
}

function workloadLine(s: SessionDto): string {
  return s.launch?.model_id ? `${s.workload_type} serving ${s.launch.model_id}` : s.workload_type
}

/** What runs on the instance and where its server answers; nothing for an empty box. */
function launchRows(s: SessionDto, ended: boolean): Array<[string, string]> {
  const launch = s.launch
  if (!launch) return []
  const rows: Array<[string, string]> = []
  if (launch.image) rows.push(['Image', launch.image])
  if (launch.on_start && !launch.model_id) rows.push(['On start', launch.on_start])
  if (launch.env_keys.length > 0) rows.push(['Env', `${launch.env_keys.join(', ')} (values sealed)`])
  if (launch.expose.length > 0) rows.push(['Ports', launch.expose.join(', ')])
  if (launch.expose.length > 0 && !ended) {
    const waiting = launch.health_path ? `waiting for ${launch.health_path}` : 'not published yet'
    rows.push(['API endpoint', s.api_endpoint ? `${s.api_endpoint}  (on this machine: gpu-shopper connect ${s.id} --forward api -N)` : waiting])
  }
  return rows
}
