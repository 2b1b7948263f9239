import type {ProviderName} from '../core/provider-name.js'

/** Base of every failure an adapter reports; `retryable` says whether repeating the same call may succeed. */
export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderName,
    message: string,
    readonly retryable: boolean,
    readonly httpStatus: number | null = null,
  ) {
    super(message)
    this.name = 'ProviderError'
  }
}

/** The offer is gone (Vast.ai `no_such_ask`, TensorDock "No available nodes found"): pick another. */
export class StaleInventoryError extends ProviderError {
  constructor(provider: ProviderName, readonly offerProviderId: string, message: string) {
    super(provider, message, false)
    this.name = 'StaleInventoryError'
  }
}

export class RateLimitedError extends ProviderError {
  constructor(provider: ProviderName, readonly retryAfterMs: number | null, message = 'rate limited by provider') {
    super(provider, message, true, 429)
    this.name = 'RateLimitedError'
  }
}

export class ProviderAuthError extends ProviderError {
  constructor(provider: ProviderName, message = 'the provider rejected the API key') {
    super(provider, message, false)
    this.name = 'ProviderAuthError'
  }
}

/** 5xx, timeouts, connection failures, unparseable bodies: the outcome of the call is unknown. */
export class ProviderUnavailableError extends ProviderError {
  constructor(provider: ProviderName, message: string, httpStatus: number | null = null) {
    super(provider, message, true, httpStatus)
    this.name = 'ProviderUnavailableError'
  }
}

export class InsufficientCreditError extends ProviderError {
  constructor(provider: ProviderName, message: string) {
    super(provider, message, false)
    this.name = 'InsufficientCreditError'
  }
}

/**
 * The instance was created, and bills, but a step right after the create failed (attaching
 * SSH keys). Carries the id so the caller can destroy it or adopt it; nothing is rolled back.
 */
export class InstanceSetupError extends ProviderError {
  constructor(
    provider: ProviderName,
    readonly providerInstanceId: string,
    message: string,
    cause?: unknown,
  ) {
    super(provider, message, false)
    this.name = 'InstanceSetupError'
    if (cause !== undefined) this.cause = cause
  }
}
