/**
 * Money is integer micro-USD everywhere inside gpu-shopper. Decimal USD appears only at the
 * edges (provider wire formats, the seed API's `price_per_hour` / `total_cost` fields).
 */
export type MicroUsd = number & {readonly __brand: 'MicroUsd'}

export const MICRO_PER_USD = 1_000_000

export function asMicroUsd(value: number | bigint): MicroUsd {
  const n = typeof value === 'bigint' ? Number(value) : value
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer micro-USD amount: ${value}`)
  return n as MicroUsd
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/

/**
 * Converts a decimal USD amount to micro-USD, rounding half away from zero at the sixth
 * decimal. Numbers are formatted through their shortest decimal string first so that
 * 0.1 + 0.2 style binary noise never reaches the ledger.
 */
export function toMicroUsd(usd: number | string): MicroUsd {
  if (typeof usd === 'number' && Number.isFinite(usd)) {
    // Fast path for the common case of at most six decimals: the product lands within a few
    // ulps of the exact integer, so rounding it gives exactly what the decimal route would.
    const scaled = usd * MICRO_PER_USD
    const rounded = Math.round(scaled)
    if (Math.abs(scaled - rounded) < 1e-6 && Number.isSafeInteger(rounded)) return (rounded === 0 ? 0 : rounded) as MicroUsd
  }
  const text = typeof usd === 'number' ? numberToPlainDecimal(usd) : usd.trim()
  const match = DECIMAL.exec(text)
  if (!match) throw new RangeError(`not a decimal USD amount: ${JSON.stringify(usd)}`)
  const [, sign, whole = '0', frac = ''] = match
  const padded = (frac + '0000000').slice(0, 7)
  let micro = BigInt(whole) * 1_000_000n + BigInt(padded.slice(0, 6))
  if (Number(padded[6]) >= 5) micro += 1n
  return asMicroUsd(sign ? -micro : micro)
}

function numberToPlainDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite USD amount: ${n}`)
  const s = String(n)
  if (!/e/i.test(s)) return s
  return n.toFixed(12)
}

/** Decimal USD for the seed API's compatibility fields; exact to the micro-dollar. */
export function microToUsd(micro: MicroUsd | number): number {
  return Number(micro) / MICRO_PER_USD
}

/** "$0.3500" style display; `digits` decimals, rounded half up. */
export function formatUsd(micro: MicroUsd | number, digits = 2): string {
  const negative = micro < 0
  const abs = BigInt(Math.abs(micro))
  const scale = 10n ** BigInt(6 - digits)
  const rounded = digits >= 6 ? abs : (abs + scale / 2n) / scale
  const unit = 10n ** BigInt(Math.min(digits, 6))
  const whole = rounded / unit
  const frac = (rounded % unit).toString().padStart(Math.min(digits, 6), '0')
  return `${negative ? '-' : ''}$${whole}${digits > 0 ? '.' + frac : ''}`
}

export function sumMicroUsd(values: Iterable<MicroUsd | number>): MicroUsd {
  let total = 0n
  for (const v of values) total += BigInt(v)
  return asMicroUsd(total)
}

/**
 * Cost of running at `pricePerHour` for `elapsedMs`, exact in BigInt and rounded once
 * (half up) to the micro-dollar.
 */
export function costForDuration(pricePerHour: MicroUsd, elapsedMs: number): MicroUsd {
  if (elapsedMs <= 0) return 0 as MicroUsd
  const numerator = BigInt(pricePerHour) * BigInt(Math.floor(elapsedMs))
  const hourMs = 3_600_000n
  return asMicroUsd((numerator + hourMs / 2n) / hourMs)
}

/**
 * A provider's decimal USD rate or charge, rounded UP to the micro-dollar: where our figure and
 * the provider's could differ, ours must not be the smaller. Rounded to nine decimals first so
 * binary noise (0.01 read as 0.010000000000000002) never costs a whole micro-dollar.
 */
export function ceilMicroUsd(usd: number): MicroUsd {
  if (!Number.isFinite(usd)) throw new RangeError(`not a finite USD amount: ${usd}`)
  const nano = Math.round(usd * 1_000_000_000)
  return asMicroUsd(Math.ceil(nano / 1000) || 0)
}
