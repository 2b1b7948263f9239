/**
 * Helpers for `POST /_sim/config` bodies. The control APIs accept snake_case (as the providers
 * speak) or camelCase (as the code does); these turn either into the code's spelling.
 */

/** `provisioning_ms` → `provisioningMs`. */
export function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
}

/** The object's keys in camelCase; `{}` for anything that is not a plain object. */
export function camelKeys(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {}
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [camel(k), v]))
}

export function nonNegative(name: string, v: unknown): number {
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`)
  return n
}

/** Checks `value` is one of `allowed`; throws naming the setting and the accepted values. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) throw new Error(`${name} must be one of ${allowed.join(', ')}`)
  return value as T
}
