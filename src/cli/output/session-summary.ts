import type {SessionDto} from '../../core/api/sessions.js'
import {isTerminal} from '../../core/session-status.js'
import {shellQuote} from '../../core/shell-quote.js'
import {formatClock, formatHourly, localizeTimes} from './format.js'

/** "running on RTX 4090 at 1.2.3.4:22, $0.35/h, expires 14:00" */
export function runningSummary(session: SessionDto, now: number): string {
  const gpu = session.gpu_count > 1 ? `${session.gpu_count}x ${session.gpu_type}` : session.gpu_type
  // An ended session has no address or expiry any more (a create's repeat can return one).
  if (isTerminal(session.status)) return `${session.status} on ${gpu}, ended ${formatClock(session.stopped_at, now)}`
  const where = session.ssh_host ? ` at ${session.ssh_host}:${session.ssh_port ?? 22}` : ''
  return `${session.status} on ${gpu}${where}, ${formatHourly(session.price_per_hour_micro_usd)}, expires ${formatClock(session.expires_at, now)}`
}

/**
 * The command line that reaches the session with its key; null until it has an address. A
 * guest behind a self-hosted node is reached through the node with the node's own key and
 * both host keys pinned: `gpu-shopper connect` sets that up, a bare ssh line would not.
 */
export function sshCommand(
  session: Pick<SessionDto, 'id' | 'ssh_host' | 'ssh_port' | 'ssh_user'> & {throughNode: boolean},
  keyPath: string | null,
): string | null {
  if (!session.ssh_host) return null
  if (session.throughNode) return `gpu-shopper connect ${session.id}`
  const key = keyPath ? `-i ${shellQuote(keyPath)} ` : ''
  return `ssh ${key}-p ${session.ssh_port ?? 22} ${session.ssh_user ?? 'root'}@${session.ssh_host}`
}

/** One narration line per session event: "14:02:11 provisioning → running  instance answered on ssh". */
export function eventLine(event: {at: string; from_status: string | null; to_status: string | null; message: string}): string {
  const at = new Date(event.at)
  const time = Number.isNaN(at.getTime()) ? event.at : at.toTimeString().slice(0, 8)
  const change = event.to_status ? `${event.from_status ?? '∅'} → ${event.to_status}` : ''
  return [time, change, localizeTimes(event.message)].filter(Boolean).join('  ')
}
