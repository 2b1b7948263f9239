/**
 * Whether a simulator takes the key or token a request carries: the one it was started with,
 * or any non-empty one when it was started without (so `sim start` works with any key).
 */
export function acceptsCredential(given: string | null, expected: string | undefined): boolean {
  if (!given) return false
  return expected === undefined || given === expected
}
