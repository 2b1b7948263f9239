import {formatUsd} from '../../core/money.js'

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

/** Decimals a cost needs: cents, but a cost under a cent still shows as not quite nothing. */
function digitsFor(micro: number): number {
  const abs = Math.abs(micro)
  if (abs > 0 && abs < 100) return 6
  if (abs > 0 && abs < 10_000) return 4
  return 2
}

/**
 * One precision for costs shown together (rows and the total they sum): the finest any of them
 * needs, so a "$0.0098" row never sits above a "$0.01" total.
 */
export function costDigits(micros: Iterable<number>): number {
  let digits = 2
  for (const micro of micros) digits = Math.max(digits, digitsFor(micro))
  return digits
}

/** "$12.00", "$0.0098": cents, or finer for a cost under a cent; `digits` (from `costDigits`) for a group. */
export function formatCost(micro: number, digits = digitsFor(micro)): string {
  return formatUsd(micro, digits)
}

/** "1 session", "2 sessions", "0 sessions". */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? noun : pluralNoun}`
}

/** "1 of 1 session", "3 of 40 offers": the noun agrees with the total. */
export function countOf(count: number, total: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count.toLocaleString('en-US')} of ${plural(total, noun, pluralNoun)}`
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

const ISO_TIME = /\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)/g

/**
 * Event messages written by the daemon carry RFC 3339 times ("extended by 1h to
 * 2026-01-01T15:00:00.000Z"); shown beside local clock times they read as another format and
 * another zone, so they become `formatClock` times too.
 */
export function localizeTimes(text: string, now: number = Date.now()): string {
  return text.replace(ISO_TIME, (iso) => formatClock(iso, now))
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
