import {ceilMicroUsd, toMicroUsd, type MicroUsd} from './money.js'
import type {OfferDto} from './api/inventory.js'
import type {DiskRate, PriceIncludes} from './offer.js'

/** Hours in the month Vast.ai divides its per-GB-month storage price by (providers.md §1.5). */
const HOURS_PER_MONTH = 720

/**
 * The hourly price of `diskGb` of disk at a per-GB-month rate, as Vast bills it: rounded up to
 * the micro-dollar, from `(GB × rate) / 720` computed in exactly this order everywhere (the
 * simulator and the instance's billing terms do the same), so quote and bill agree.
 */
export function monthlyDiskPricePerHour(diskGb: number, usdPerGbMonth: number): MicroUsd {
  return ceilMicroUsd((diskGb * usdPerGbMonth) / HOURS_PER_MONTH)
}

/** The disk a request for `diskGb` actually rents. */
function rentedDiskGb(diskGb: number, rate: DiskRate | null): number {
  return rate ? Math.max(diskGb, rate.minimumGb) : diskGb
}

/**
 * What a session on an offer pays per hour with `diskGb` of disk instead of the disk the
 * listed price includes. With a monthly rate (Vast.ai) the disk part is swapped exactly as
 * billed; with an hourly rate (TensorDock) the difference is added.
 */
export function priceForDisk(
  offer: {pricePerHour: MicroUsd; priceIncludes: Pick<PriceIncludes, 'diskGb'>; diskRate: DiskRate | null},
  diskGb: number,
): MicroUsd {
  const rate = offer.diskRate
  const included = offer.priceIncludes.diskGb
  const rented = rentedDiskGb(diskGb, rate)
  if (!rate || rented === included) return offer.pricePerHour
  if (rate.per === 'month') {
    return (offer.pricePerHour - monthlyDiskPricePerHour(included, rate.usdPerGb) + monthlyDiskPricePerHour(rented, rate.usdPerGb)) as MicroUsd
  }
  const delta = toMicroUsd((rented - included) * rate.usdPerGb)
  return Math.max(0, offer.pricePerHour + delta) as MicroUsd
}

/** `priceForDisk` over an offer as the API returns it (CLI and TUI confirmations). */
export function offerDtoPriceForDisk(offer: Pick<OfferDto, 'price_per_hour_micro_usd' | 'price_includes' | 'disk_rate'>, diskGb: number): MicroUsd {
  const rate = offer.disk_rate
  return priceForDisk(
    {
      pricePerHour: offer.price_per_hour_micro_usd as MicroUsd,
      priceIncludes: {diskGb: offer.price_includes.disk_gb},
      diskRate: rate && {usdPerGb: rate.usd_per_gb, per: rate.per, minimumGb: rate.minimum_gb},
    },
    diskGb,
  )
}

/** "50 GB disk" or "100 GB disk, 8 vCPU, 32 GB RAM": what an offer's price includes besides the GPUs. */
export function describePriceIncludes(includes: OfferDto['price_includes']): string {
  const parts = [`${includes.disk_gb} GB disk`]
  if (includes.vcpus !== null) parts.push(`${includes.vcpus} vCPU`)
  if (includes.ram_gb !== null) parts.push(`${includes.ram_gb} GB RAM`)
  return parts.join(', ')
}
