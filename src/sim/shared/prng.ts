/**
 * A small seeded PRNG so the simulated market, ids and fault decisions are the same on every
 * run with the same seed. mulberry32: 32-bit state, good enough spread for test data, and no
 * dependency.
 */
export type Random = () => number

/** A generator whose position can be saved: `mulberry32(rng.state())` continues the same stream. */
export type SeededRandom = Random & {state(): number}

export function mulberry32(seed: number): SeededRandom {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return Object.assign(next, {state: () => state})
}

/** Derives an independent stream from a seed and a label, so adding draws to one part never shifts another. */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0
  }
  return h
}

export function randomFloat(rng: Random, min: number, max: number): number {
  return min + rng() * (max - min)
}

/** Inclusive of both ends. */
export function randomInt(rng: Random, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1))
}

export function pickOne<T>(rng: Random, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pickOne from an empty list')
  return items[Math.floor(rng() * items.length)] as T
}

export function pickWeighted<T>(rng: Random, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0)
  let roll = rng() * total
  for (const [item, weight] of items) {
    roll -= weight
    if (roll < 0) return item
  }
  const last = items[items.length - 1]
  if (!last) throw new RangeError('pickWeighted from an empty list')
  return last[0]
}

export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals
  return Math.round(value * f) / f
}
