import {formatCost, formatDuration, formatRemaining} from '../../src/cli/output/format.js'
import {sshTarget} from '../../src/cli/output/columns/sessions.js'
import type {Column} from '../../src/cli/output/columns/column.js'
import type {SessionDto} from '../../src/core/api/sessions.js'
import {costForDuration, type MicroUsd} from '../../src/core/money.js'
import {isTerminal} from '../../src/core/session-status.js'

/** Stopped or failed: nothing left to pay for or connect to. */
export function isEnded(session: Pick<SessionDto, 'status'>): boolean {
  return isTerminal(session.status)
}

/**
 * What a session has cost up to `now`. The ledger is written in the background, so a running
 * session's cost is computed the way the ledger bills it (price × time since it started,
 * rounded once); an ended session shows exactly what the ledger holds.
 */
export function costSoFar(session: Pick<SessionDto, 'status' | 'started_at' | 'price_per_hour_micro_usd' | 'total_cost_micro_usd'>, now: number): number {
  if (session.status !== 'running' || !session.started_at) return session.total_cost_micro_usd
  const running = costForDuration(session.price_per_hour_micro_usd as MicroUsd, now - Date.parse(session.started_at))
  return Math.max(session.total_cost_micro_usd, running)
}

/** Time since the machine came up, to now or to when it stopped. */
export function uptime(session: Pick<SessionDto, 'started_at' | 'stopped_at'>, now: number): string {
  if (!session.started_at) return '-'
  const end = session.stopped_at ? Date.parse(session.stopped_at) : now
  return formatDuration(end - Date.parse(session.started_at))
}

export const SESSION_STATUS_COLORS: Record<string, string> = {
  pending: 'yellow',
  provisioning: 'yellow',
  running: 'green',
  stopping: 'cyan',
  stopped: 'gray',
  failed: 'red',
}

/** The sessions table of the dashboard: state, machine, where to reach it, time and money. */
export const SESSION_BROWSER_COLUMNS: readonly Column<SessionDto>[] = [
  {id: 'id', header: 'ID', value: (s) => s.id},
  {id: 'status', header: 'STATE', value: (s) => s.status},
  {id: 'gpu', header: 'GPU', value: (s) => `${s.gpu_count}x ${s.gpu_type}`},
  {id: 'provider', header: 'PROVIDER', value: (s) => s.provider},
  {id: 'host', header: 'HOST', value: (s) => sshTarget(s)},
  {id: 'uptime', header: 'UPTIME', align: 'right', value: (s, ctx) => uptime(s, ctx.now)},
  {id: 'expires', header: 'EXPIRES', align: 'right', value: (s, ctx) => (isEnded(s) ? '-' : formatRemaining(s.expires_at, ctx.now))},
  {id: 'cost', header: 'COST', align: 'right', value: (s, ctx) => formatCost(costSoFar(s, ctx.now))},
  {id: 'consumer', header: 'CONSUMER', value: (s) => s.consumer_id},
]

/** Words of the sessions filter, matched against id, state, GPU, provider and consumer. */
export function sessionMatches(session: SessionDto, text: string): boolean {
  const haystack = `${session.id} ${session.status} ${session.gpu_type} ${session.provider} ${session.consumer_id}`.toLowerCase()
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word))
}

export interface LaunchDetail {
  /** The workload and what it runs, image, ports, variables. */
  runs: string
  /** Null when it publishes no port or has ended. */
  api: {
    /** The public URL, or what the session waits for before it has one. */
    endpoint: string
    published: boolean
    /** The command that offers the API on localhost, through SSH. */
    forward: string
  } | null
}

/** How much of a start command the detail pane quotes; the line is cut to the terminal anyway. */
const COMMAND_SHOWN = 80

/**
 * What runs on a session and where its server answers, for the detail pane: the workload (and
 * the model it serves or the command it started), image, ports and sealed variables' names;
 * then, while the session lasts and publishes a port, its public endpoint (or what it waits
 * for) and how to reach it from this machine. Nothing for an empty box.
 */
export function launchDetail(session: Pick<SessionDto, 'id' | 'status' | 'workload_type' | 'launch' | 'api_endpoint'>): LaunchDetail | null {
  const launch = session.launch
  if (!launch) return null
  const parts = [launch.model_id ? `${session.workload_type} serving ${launch.model_id}` : session.workload_type]
  if (launch.on_start && !launch.model_id) {
    const command = launch.on_start.length > COMMAND_SHOWN ? `${launch.on_start.slice(0, COMMAND_SHOWN - 1)}…` : launch.on_start
    parts.push(`runs \`${command}\``)
  }
  if (launch.image) parts.push(`image ${launch.image}`)
  if (launch.expose.length > 0) parts.push(`${launch.expose.length === 1 ? 'port' : 'ports'} ${launch.expose.join(', ')}`)
  if (launch.env_keys.length > 0) parts.push(`env ${launch.env_keys.join(', ')} (sealed)`)
  const runs = parts.join(' · ')
  if (launch.expose.length === 0 || isEnded(session)) return {runs, api: null}
  const endpoint =
    session.api_endpoint ??
    (session.status === 'running' ? `port ${launch.expose[0]} not published` : launch.health_path ? `waiting for ${launch.health_path}` : `waiting for port ${launch.expose[0]} to be published`)
  return {runs, api: {endpoint, published: session.api_endpoint !== null, forward: `gpu-shopper connect ${session.id} --forward api -N`}}
}
