import {formatUsd} from '../core/money.js'

/**
 * Pure display helpers shared by the CLI renderers and the TUI. Money arrives as the API's
 * exact `*_micro_usd` integers; nothing here does arithmetic on decimal dollars.
 */

/** "$0.35", "$0.275", "$12.00": at least two decimals, up to four when they matter. */
export function formatPrice(micro: number): string {
  const text = formatUsd(micro, 4)
  return text.replace(/(\.\d\d\d*?)0+$/, '$1')
}

export function formatHourly(micro: number): string {
  return `${formatPrice(micro)}/h`
}

/** Costs read best with cents, but a cost under a cent still shows as not quite nothing. */
export function formatCost(micro: number): string {
  if (micro > 0 && micro < 100) return formatUsd(micro, 6)
  if (micro > 0 && micro < 10_000) return formatUsd(micro, 4)
  return formatUsd(micro, 2)
}

/** "97.5%" for a 0-1 reliability, "-" when the provider gives none. */
export function formatReliability(reliability: number | null): string {
  return reliability === null ? '-' : `${(reliability * 100).toFixed(1)}%`
}

/** "14:00" in the local time zone, with the date when it is not today. */
export function formatClock(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '-'
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  const hhmm = `${pad(at.getHours())}:${pad(at.getMinutes())}`
  const today = new Date(now)
  const sameDay = at.getFullYear() === today.getFullYear() && at.getMonth() === today.getMonth() && at.getDate() === today.getDate()
  return sameDay ? hhmm : `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${hhmm}`
}

/** "45s", "12m", "3h 5m", "2d 4h": a duration in the two largest units that matter. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`
  const days = Math.floor(hours / 24)
  return hours % 24 ? `${days}d ${hours % 24}h` : `${days}d`
}

/** "3m ago" for timestamps in the past. */
export function formatAge(iso: string | null | undefined, now: number): string {
  if (!iso) return '-'
  const at = Date.parse(iso)
  if (Number.isNaN(at)) return iso
  return `${formatDuration(now - at)} ago`
}

/** "in 1h 20m" or "expired". */
export function formatRemaining(iso: string | null | undefined, now: number): string {
  if (!iso) return '-'
  const at = Date.parse(iso)
  if (Number.isNaN(at)) return iso
  return at <= now ? 'expired' : `in ${formatDuration(at - now)}`
}

export function formatHours(hours: number): string {
  if (hours > 0 && hours < 1) return formatDuration(hours * 3_600_000)
  return `${Number.isInteger(hours) ? hours : hours.toFixed(2).replace(/0$/, '')} h`
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}
