/**
 * Errors that cross the API. Each code maps to one HTTP status; the message is written for
 * the user and says what did not happen where that matters ("no instance was created").
 */
export const ERROR_STATUS = {
  validation_error: 400,
  unauthorized: 401,
  insufficient_balance: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  sku_unavailable: 409,
  rate_limit_exceeded: 429,
  internal_error: 500,
  provider_error: 502,
  stale_inventory: 503,
  service_unavailable: 503,
} as const

export type ErrorType = keyof typeof ERROR_STATUS

export class AppError extends Error {
  readonly errorType: ErrorType
  readonly details: Record<string, unknown>

  constructor(errorType: ErrorType, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.name = 'AppError'
    this.errorType = errorType
    this.details = details
  }

  get status(): number {
    return ERROR_STATUS[this.errorType]
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError
}
