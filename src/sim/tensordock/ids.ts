import type {Random} from '../shared/prng.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A v4-shaped UUID drawn from a seeded PRNG, so locations and instances get the same ids every run. */
export function seededUuid(rng: Random): string {
  const bytes: number[] = []
  for (let i = 0; i < 16; i++) bytes.push(Math.floor(rng() * 256))
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** TensorDock ids are UUIDs; anything else (a `/`, `%2f`, `..`) never reaches a lookup. */
export function isUuid(value: string): boolean {
  return UUID.test(value)
}
