/** Time source injected everywhere so tests control it; core never calls Date.now(). */
export interface Clock {
  now(): number
}

export const systemClock: Clock = {now: () => Date.now()}

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current
  }
  advance(ms: number): void {
    this.current += ms
  }
  set(epochMs: number): void {
    this.current = epochMs
  }
}

export function toIso(epochMs: number): string {
  // A page of offers from one refresh shares one fetch time: formatted once, not per offer.
  if (epochMs !== lastIso.ms) lastIso = {ms: epochMs, iso: new Date(epochMs).toISOString()}
  return lastIso.iso
}

let lastIso = {ms: Number.NaN, iso: ''}
