import {describe, expect, it} from 'vitest'

import {toMicroUsd} from '../../core/money.js'

import {gpuTypeFor, parseLocations, reliabilityFromTier, vramFromNames, type TensorDockDeployment} from './tensordock-offer.js'

const FETCHED_AT = Date.parse('2026-03-01T12:00:00Z')
const DEPLOYMENT: TensorDockDeployment = {vcpus: 8, ramGb: 32, storageGb: 100}
const CHICAGO = '1a779525-4c04-4f2c-aa45-58b47d54bb38'
const JOPLIN = '0b3c8e2a-9d41-4f7e-8a55-2f61d0c7e913'
const DALLAS = 'c9f2d1e0-7b6a-4c3d-9e8f-1a2b3c4d5e6f'

/** Shaped like the live `/locations` reply (providers.md §2.4), with its quirks. */
function rtx4090(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v0Name: 'geforcertx4090-pcie-24gb',
    displayName: 'NVIDIA GeForce RTX 4090 PCIe 24GB',
    max_count: 4,
    price_per_hr: 0.5,
    resources: {max_vcpus: 32, max_ram_gb: 128, max_storage_gb: 2000},
    pricing: {per_vcpu_hr: 0.003, per_gb_ram_hr: 0.002, per_gb_storage_hr: 0.00005},
    network_features: {dedicated_ip_available: true, port_forwarding_available: true, network_storage_available: false},
    ...overrides,
  }
}

function reply(locations: unknown[]): unknown {
  return {data: {locations}}
}

describe('parseLocations', () => {
  it('makes one offer per deployable GPU count, priced for the whole deployment', () => {
    // Given a Chicago location with up to 4 RTX 4090s
    const page = parseLocations(
      reply([{id: CHICAGO, city: 'Chicago', stateprovince: 'Illinois', country: 'United States', tier: 3, gpus: [rtx4090()]}]),
      DEPLOYMENT,
      FETCHED_AT,
    )
    // Then counts 1, 2 and 4 are offered
    expect(page?.skipped).toBe(0)
    expect(page?.offers.map((o) => o.gpuCount)).toEqual([1, 2, 4])
    const [one, two, four] = page?.offers ?? []
    // And the price is the GPUs plus 8 vCPU, 32 GB RAM and 100 GB storage at the location's rates
    // 0.5 + 8 × 0.003 + 32 × 0.002 + 100 × 0.00005 = 0.593
    expect(one).toEqual({
      id: `tensordock-${CHICAGO}:geforcertx4090-pcie-24gb:1`,
      provider: 'tensordock',
      providerId: `${CHICAGO}:geforcertx4090-pcie-24gb:1`,
      gpuType: 'RTX 4090',
      gpuCount: 1,
      vramGb: 24,
      pricePerHour: toMicroUsd('0.593'),
      location: 'Chicago, Illinois, United States',
      countryCode: 'US',
      reliability: 0.98,
      available: true,
      fetchedAt: FETCHED_AT,
      cudaVersion: null,
      diskGb: 2000,
      cpuCores: 32,
      ramGb: 128,
      inetDownMbps: null,
      // The price says what it pays for besides the GPUs, and how more disk would be priced.
      priceIncludes: {diskGb: 100, vcpus: 8, ramGb: 32},
      diskRate: {usdPerGb: 0.00005, per: 'hour', minimumGb: 100},
      // A location-based deploy does not name its node: failures are pinned to the location.
      hostId: `tensordock:${CHICAGO}`,
    })
    expect(two?.pricePerHour).toBe(toMicroUsd('1.093'))
    expect(four?.pricePerHour).toBe(toMicroUsd('2.093'))
  })

  it('reads the live oddities: tier 4, raw displayName, a repeated state, prices as strings, missing blocks', () => {
    const page = parseLocations(
      reply([
        {
          id: JOPLIN, city: 'Texas', stateprovince: 'Texas', country: 'United States', tier: 4,
          gpus: [
            // displayName arrived raw
            {v0Name: 'a40-pcie-48gb', displayName: 'a40-pcie-48gb', max_count: '8', price_per_hr: '0.40',
              resources: {max_vcpus: '64', max_ram_gb: null, max_storage_gb: '4000'},
              pricing: {per_vcpu_hr: '0.003', per_gb_ram_hr: '0.002', per_gb_storage_hr: null}},
            // no pricing, no network_features, no resources
            {v0Name: 'h100-sxm5-80gb', displayName: 'H100 SXM5 80GB', max_count: 1, price_per_hr: 2.25},
          ],
        },
      ]),
      DEPLOYMENT,
      FETCHED_AT,
    )
    expect(page?.skipped).toBe(0)
    const a40 = page?.offers.filter((o) => o.gpuType === 'A40') ?? []
    expect(a40.map((o) => o.gpuCount)).toEqual([1, 2, 4, 8])
    expect(a40[0]).toMatchObject({
      vramGb: 48, location: 'Texas, United States', countryCode: 'US', reliability: 0.99, cpuCores: 64, ramGb: null, diskGb: 4000,
      // 0.40 + 8 × 0.003 + 32 × 0.002; storage has no rate
      pricePerHour: toMicroUsd('0.488'),
    })
    const h100 = page?.offers.filter((o) => o.gpuType === 'H100 80GB SXM') ?? []
    // Without a pricing block only the GPU can be priced
    expect(h100).toEqual([expect.objectContaining({gpuCount: 1, vramGb: 80, pricePerHour: toMicroUsd('2.25'), cpuCores: null, available: true})])
  })

  it('shows a sold-out model once, unavailable, and marks offers whose maxima our deployment exceeds', () => {
    const page = parseLocations(
      reply([
        {id: DALLAS, city: 'Dallas', stateprovince: 'Texas', country: 'United States', tier: 1, gpus: [
          rtx4090({max_count: 0}),
          rtx4090({v0Name: 'rtxa6000-pcie-48gb', displayName: 'NVIDIA RTX A6000 PCIe 48GB', max_count: 3, resources: {max_vcpus: 4, max_ram_gb: 16, max_storage_gb: 500}}),
        ]},
      ]),
      DEPLOYMENT,
      FETCHED_AT,
    )
    expect(page?.offers.map((o) => [o.gpuType, o.gpuCount, o.available])).toEqual([
      ['RTX 4090', 1, false],
      ['RTX A6000', 1, false],
      ['RTX A6000', 2, false],
    ])
  })

  it('skips and counts what cannot be read, keeping the rest', () => {
    const page = parseLocations(
      reply([
        {id: 'not-a-uuid', city: 'X', country: 'Y', gpus: [rtx4090()]},
        {city: 'no id at all', gpus: []},
        {id: CHICAGO, city: null, stateprovince: null, country: null, tier: null, gpus: [
          rtx4090(),
          rtx4090({v0Name: 'Bad Name/../x'}),
          rtx4090({price_per_hr: null}),
          rtx4090({max_count: null}),
          rtx4090({v0Name: 'mystery-pcie', displayName: 'Mystery'}),
          'not an object',
        ]},
        {id: JOPLIN, gpus: null},
      ]),
      DEPLOYMENT,
      FETCHED_AT,
    )
    expect(page?.skipped).toBe(7)
    expect(page?.problems).toHaveLength(5)
    expect(page?.problems[0]).toContain('not a UUID')
    expect(page?.offers.map((o) => o.providerId)).toEqual([1, 2, 4].map((n) => `${CHICAGO}:geforcertx4090-pcie-24gb:${n}`))
    // A location without names still has an (empty) place and no country
    expect(page?.offers[0]).toMatchObject({location: '', countryCode: null, reliability: null})
  })

  it('rejects a reply that is not a locations reply', () => {
    expect(parseLocations({data: []}, DEPLOYMENT, FETCHED_AT)).toBeNull()
    expect(parseLocations([], DEPLOYMENT, FETCHED_AT)).toBeNull()
    expect(parseLocations({data: {locations: []}}, DEPLOYMENT, FETCHED_AT)).toEqual({offers: [], skipped: 0, problems: []})
  })
})

describe('reliabilityFromTier', () => {
  it('maps tiers 1..4 onto Vast-like scores, never reaching 1', () => {
    expect([1, 2, 3, 4].map(reliabilityFromTier)).toEqual([0.9, 0.95, 0.98, 0.99])
    expect(reliabilityFromTier(7)).toBe(0.99)
    expect(reliabilityFromTier(3.5)).toBe(0.98)
    for (const unknown of [0, -1, null, undefined, Number.NaN]) expect(reliabilityFromTier(unknown)).toBeNull()
  })
})

describe('gpuTypeFor', () => {
  it('names models as the Vast.ai adapter does, from v0Name first', () => {
    const cases: [string, string | null, string][] = [
      ['geforcertx4090-pcie-24gb', 'NVIDIA GeForce RTX 4090 PCIe 24GB', 'RTX 4090'],
      ['h100-sxm5-80gb', 'H100 SXM5 80GB', 'H100 80GB SXM'],
      ['a40-pcie-48gb', 'a40-pcie-48gb', 'A40'],
      ['geforcertx5090-pcie-32gb', 'geforcertx5090-pcie-32gb', 'RTX 5090'],
      ['teslav100-pcie-16gb', 'Tesla V100 PCIe 16GB', 'V100 16GB'],
      ['rtxa5000-pcie-24gb', null, 'RTX A5000'],
    ]
    for (const [v0Name, displayName, expected] of cases) {
      const vram = vramFromNames({v0Name, displayName}) ?? 0
      expect(gpuTypeFor({v0Name, displayName}, vram)).toBe(expected)
    }
  })

  it('falls back to a known displayName when v0Name names no model we know', () => {
    expect(gpuTypeFor({v0Name: 'gpu4090x-pcie-24gb', displayName: 'NVIDIA GeForce RTX 4090 PCIe 24GB'}, 24)).toBe('RTX 4090')
  })
})
