import {AppError} from './errors.js'
import {MAX_RESERVATION_HOURS} from './limits.js'

const HOUR_MS = 3_600_000

/**
 * Moves a reservation's end by `additionalHours`, refusing to pass the 12-hour hard maximum
 * counted from `since` (when the GPU started, or the request if it has not yet) unless the
 * session carries an override.
 */
export function extendedExpiry(expiresAt: number, since: number, additionalHours: number, hardMaxOverride: boolean): number {
  if (hardMaxOverride && additionalHours > MAX_RESERVATION_HOURS) {
    throw new AppError('validation_error', `additional_hours must be at most ${MAX_RESERVATION_HOURS} per extension (got ${additionalHours})`, {
      field: 'additional_hours',
    })
  }
  const left = hoursLeftToExtend(expiresAt, since, hardMaxOverride)
  if (additionalHours > left) {
    throw new AppError(
      'conflict',
      left === 0
        ? `this session already has the ${MAX_RESERVATION_HOURS}-hour hard maximum reserved; no hours can be added`
        : `extending by ${additionalHours}h would pass the ${MAX_RESERVATION_HOURS}-hour hard maximum; at most ${left}h can still be added`,
      {max_additional_hours: left},
    )
  }
  return expiresAt + additionalHours * HOUR_MS
}

/**
 * How many whole hours one extension may add: what is left of the 12-hour hard maximum counted
 * from `since`, or 12 at a time for a session with the override. The daemon refuses more; the
 * CLI and the TUI say this range before asking.
 */
export function hoursLeftToExtend(expiresAt: number, since: number, hardMaxOverride: boolean): number {
  if (hardMaxOverride) return MAX_RESERVATION_HOURS
  const limit = since + MAX_RESERVATION_HOURS * HOUR_MS
  return Math.min(MAX_RESERVATION_HOURS, Math.max(0, Math.floor((limit - expiresAt) / HOUR_MS)))
}

export function reservationEnd(start: number, hours: number): number {
  return start + hours * HOUR_MS
}
