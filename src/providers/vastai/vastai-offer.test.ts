import {describe, expect, it} from 'vitest'

import {parseOfferPage} from './vastai-offer.js'

const FETCHED_AT = Date.parse('2026-03-01T12:00:00Z')

/** The shape of a real `/bundles/` offer (providers.md §1.4.1), trimmed. */
function recordedOffer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 30406190, ask_contract_id: 30406190, machine_id: 42, host_id: 7, gpu_name: 'RTX 5090',
    num_gpus: 1, gpu_ram: 32607, gpu_total_ram: 32607, compute_cap: 1200, cuda_max_good: 12.8,
    driver_version: '570.124.04', cpu_cores: 48, cpu_cores_effective: 8.0, cpu_ram: 64301,
    disk_space: 505.5, dph_base: 0.2, dph_total: 0.2288, storage_cost: 0.15, min_bid: 0.12,
    inet_up: 500.1, inet_down: 800.2, inet_up_cost: 0.005, inet_down_cost: 0.005, reliability: 0.994,
    reliability2: 0.9941378, geolocation: ', CN', direct_port_count: 10, verification: 'verified',
    rentable: true, rented: false, static_ip: false, public_ipaddr: '203.0.113.42', duration: 864000.0,
    ...overrides,
  }
}

function one(overrides: Record<string, unknown>) {
  const page = parseOfferPage({offers: [recordedOffer(overrides)]}, FETCHED_AT, 50)
  expect(page?.skipped).toBe(0)
  const offer = page?.offers[0]
  if (!offer) throw new Error('no offer parsed')
  return offer
}

describe('parseOfferPage', () => {
  it('normalises a recorded offer', () => {
    expect(one({})).toEqual({
      id: 'vastai-30406190',
      provider: 'vastai',
      providerId: '30406190',
      gpuType: 'RTX 5090',
      gpuCount: 1,
      vramGb: 32,
      // What a default session (50 GB disk) pays, as billed: $0.20 compute + 50 GB × $0.15/GB/month ÷ 720, rounded up.
      pricePerHour: 200_000 + 10_417,
      location: 'CN',
      countryCode: 'CN',
      reliability: 0.9941378,
      available: true,
      fetchedAt: FETCHED_AT,
      cudaVersion: 12.8,
      diskGb: 505.5,
      cpuCores: 8,
      // 64301 MB × 8/48 cores
      ramGb: 10.7,
      inetDownMbps: 800.2,
      priceIncludes: {diskGb: 50, vcpus: null, ramGb: null},
      diskRate: {usdPerGb: 0.15, per: 'month', minimumGb: 1},
      // The machine, not the ask: Vast relists a machine under a new ask id after each rental.
      hostId: 'vastai:42',
    })
  })

  it.each([
    ['cpu_cores null: the effective cores and the whole RAM', {cpu_cores: null}, {cpuCores: 8, ramGb: 64.3}],
    ['no effective cores: the host cores', {cpu_cores_effective: null}, {cpuCores: 48, ramGb: 64.3}],
    ['fractional effective cores are rounded', {cpu_cores_effective: 5.6}, {cpuCores: 6}],
    ['rented null counts as not rented', {rented: null}, {available: true}],
    ['rented true is not available', {rented: true}, {available: false}],
    ['rentable false is not available', {rentable: false}, {available: false}],
    ['rentable missing is trusted to the server filter', {rentable: undefined}, {available: true}],
    ['numbers as strings', {id: '123', num_gpus: '2', gpu_ram: '24564', dph_base: '0.35', storage_cost: '0', reliability2: '0.99', cuda_max_good: '12.4'},
      {id: 'vastai-123', gpuCount: 2, vramGb: 24, pricePerHour: 350_000, reliability: 0.99, cudaVersion: 12.4}],
    ['without dph_base or storage_cost the price is dph_total, and disk cannot be repriced', {dph_base: null, storage_cost: null},
      {pricePerHour: 228_800, diskRate: null}],
    ['booleans as strings and ints', {rentable: 'true', rented: 0}, {available: true}],
    ['reliability2 missing falls back to reliability', {reliability2: null}, {reliability: 0.994}],
    ['no reliability at all', {reliability2: undefined, reliability: undefined}, {reliability: null}],
    ['geolocation with a city', {geolocation: 'Texas, US'}, {location: 'Texas, US', countryCode: 'US'}],
    ['geolocation with a country name', {geolocation: 'California, United States'}, {location: 'California, United States', countryCode: 'US'}],
    ['geolocation missing', {geolocation: undefined}, {location: '', countryCode: null}],
    ['geolocation null', {geolocation: null}, {location: '', countryCode: null}],
    ['A100 decided by VRAM', {gpu_name: 'A100 SXM4', gpu_ram: 81559}, {gpuType: 'A100 80GB SXM', vramGb: 80}],
    ['A100 40GB', {gpu_name: 'A100 PCIE', gpu_ram: 40960}, {gpuType: 'A100 40GB PCIe', vramGb: 40}],
    ['V100 16GB', {gpu_name: 'Tesla V100', gpu_ram: 16384}, {gpuType: 'V100 16GB'}],
    ['long binary-noise prices', {dph_total: 0.22880000000000003, dph_base: null}, {pricePerHour: 228_800}],
    ['binary noise in the parts never costs a micro-dollar', {dph_base: 0.30000000000000004, storage_cost: 0.15}, {pricePerHour: 300_000 + 10_417}],
    ['a cuda_max_good of 0 is unknown', {cuda_max_good: 0}, {cudaVersion: null}],
    ['disk_space missing', {disk_space: undefined}, {diskGb: null}],
    ['inet_down as a string', {inet_down: '812.5'}, {inetDownMbps: 812.5}],
  ])('%s', (_name, overrides, expected) => {
    expect(one(overrides)).toMatchObject(expected)
  })

  it('skips unreadable offers and counts them instead of failing the page', () => {
    const page = parseOfferPage(
      {
        offers: [
          recordedOffer({id: 1}),
          recordedOffer({id: 2, dph_total: null}),
          recordedOffer({id: 3, gpu_name: ''}),
          recordedOffer({id: 4, num_gpus: 0}),
          recordedOffer({id: undefined}),
          recordedOffer({id: 6, gpu_ram: 'lots'}),
          'not an offer',
          null,
          recordedOffer({id: 9}),
        ],
      },
      FETCHED_AT,
      50,
    )
    expect(page?.offers.map((o) => o.providerId)).toEqual(['1', '9'])
    expect(page?.skipped).toBe(7)
    expect(page?.problems).toHaveLength(5)
    expect(page?.problems[0]).toMatch(/^offer 2: dph_total/)
  })

  it('rejects a reply that is not an offer page', () => {
    expect(parseOfferPage({instances: []}, FETCHED_AT, 50)).toBeNull()
    expect(parseOfferPage(null, FETCHED_AT, 50)).toBeNull()
    expect(parseOfferPage({offers: null}, FETCHED_AT, 50)).toBeNull()
  })

  it('accepts an empty page', () => {
    expect(parseOfferPage({offers: []}, FETCHED_AT, 50)).toEqual({offers: [], skipped: 0, problems: []})
  })
})
