import {describe, expect, it} from 'vitest'

import {asMicroUsd, ceilMicroUsd} from './money.js'
import {monthlyDiskPricePerHour, priceForDisk} from './offer-quote.js'

describe('priceForDisk', () => {
  // A Vast offer priced, as listed, for a 50 GB default disk: $0.30/h compute + $0.15/GB/month.
  const vast = {
    pricePerHour: asMicroUsd(300_000 + 10_417),
    priceIncludes: {diskGb: 50},
    diskRate: {usdPerGb: 0.15, per: 'month' as const, minimumGb: 1},
  }

  it('is the listed price for the disk the listing includes', () => {
    expect(priceForDisk(vast, 50)).toBe(310_417)
  })

  it('swaps the monthly disk part exactly as Vast bills it: (GB × rate) / 720, rounded up', () => {
    expect(monthlyDiskPricePerHour(100, 0.15)).toBe(20_834) // $0.0208333…/h
    expect(priceForDisk(vast, 100)).toBe(300_000 + 20_834)
    expect(priceForDisk(vast, 10)).toBe(300_000 + 2_084)
  })

  it('adds the hourly disk difference on TensorDock, which never rents less than 100 GB', () => {
    const td = {pricePerHour: asMicroUsd(450_000), priceIncludes: {diskGb: 100}, diskRate: {usdPerGb: 0.00005, per: 'hour' as const, minimumGb: 100}}
    expect(priceForDisk(td, 50)).toBe(450_000)
    expect(priceForDisk(td, 300)).toBe(450_000 + 10_000)
  })

  it('keeps the listed price when the provider says nothing about disk', () => {
    expect(priceForDisk({pricePerHour: asMicroUsd(123), priceIncludes: {diskGb: 8}, diskRate: null}, 500)).toBe(123)
  })
})

describe('ceilMicroUsd', () => {
  it('rounds up, but never for binary noise', () => {
    expect(ceilMicroUsd(0.0104166666)).toBe(10_417)
    expect(ceilMicroUsd((48 * 0.15) / 720)).toBe(10_000)
    expect(ceilMicroUsd(0.3412)).toBe(341_200)
    expect(ceilMicroUsd(0)).toBe(0)
  })
})
