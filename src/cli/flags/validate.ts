import {flagError} from '../errors.js'

/**
 * Client-side checks that name the flag and the accepted range, so a typo fails in
 * milliseconds with a clear message. The daemon validates again: it is the authority.
 */
export function checkIntRange(flag: string, value: number | undefined, min: number, max: number, fix?: string): void {
  if (value === undefined) return
  if (!Number.isInteger(value) || value < min || value > max) {
    throw flagError(flag, `must be between ${min} and ${max} (got ${value})`, fix)
  }
}

export function checkNumberRange(flag: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return
  if (!Number.isFinite(value) || value < min || value > max) throw flagError(flag, `must be between ${min} and ${max} (got ${value})`)
}

export function checkDate(flag: string, value: string | undefined): void {
  if (value === undefined) return
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null
  if (!date || date.getUTCDate() !== Number(match![3])) throw flagError(flag, `must be a date as YYYY-MM-DD (got "${value}")`)
}

export function checkNotBlank(flag: string, value: string | undefined): void {
  if (value !== undefined && value.trim() === '') throw flagError(flag, 'must not be empty')
}
