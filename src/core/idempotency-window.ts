/**
 * How long the daemon remembers an idempotency key's first response: a repeat within it gets
 * that response back. The CLI keeps the public key it sent for as long, so its repeat sends
 * the same body.
 */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000
