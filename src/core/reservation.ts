import {AppError} from './errors.js'
import {MAX_RESERVATION_HOURS} from './session.js'

const HOUR_MS = 3_600_000

/**
 * Moves a reservation's end by `additionalHours`, refusing to pass the 12-hour hard maximum
 * counted from `since` (when the GPU started, or the request if it has not yet) unless the
 * session carries an override.
 */
export function extendedExpiry(expiresAt: number, since: number, additionalHours: number, hardMaxOverride: boolean): number {
  const next = expiresAt + additionalHours * HOUR_MS
  const limit = since + MAX_RESERVATION_HOURS * HOUR_MS
  if (!hardMaxOverride && next > limit) {
    const left = Math.max(0, Math.floor((limit - expiresAt) / HOUR_MS))
    throw new AppError(
      'conflict',
      `extending by ${additionalHours}h would pass the ${MAX_RESERVATION_HOURS}-hour hard maximum; at most ${left}h can be added`,
      {max_additional_hours: left},
    )
  }
  return next
}

export function reservationEnd(start: number, hours: number): number {
  return start + hours * HOUR_MS
}
