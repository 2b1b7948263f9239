/** `X-Idempotency-Key` as one trimmed string, or undefined when absent or blank. */
export function idempotencyKeyOf(header: unknown): string | undefined {
  const value = Array.isArray(header) ? header[0] : header
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}
