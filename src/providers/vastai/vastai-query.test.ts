import {describe, expect, it} from 'vitest'

import {toMicroUsd} from '../../core/money.js'
import type {Offer} from '../../core/offer.js'

import {offerMatchesQuery} from '../offer-selection.js'
import {buildVastQuery} from './vastai-query.js'

const options = {defaultLimit: 1000}

describe('buildVastQuery', () => {
  it('asks only for rentable on-demand offers, cheapest first, by default', () => {
    expect(buildVastQuery({}, options)).toEqual({
      rentable: {eq: true},
      rented: {eq: false},
      type: 'on-demand',
      order: [['dph_total', 'asc']],
      limit: 1000,
    })
  })

  it('pushes every filter Vast can evaluate', () => {
    const body = buildVastQuery(
      {gpuType: 'rtx 4090', minVramGb: 24, maxPricePerHour: toMicroUsd('0.5'), minGpuCount: 2, minReliability: 0.95, location: 'us', minCuda: 12.4, limit: 20, offset: 10},
      options,
    )
    expect(body).toEqual({
      rentable: {eq: true},
      rented: {eq: false},
      type: 'on-demand',
      gpu_name: {in: ['RTX 4090']},
      gpu_ram: {gte: 24000},
      dph_total: {lte: 0.5},
      num_gpus: {gte: 2},
      reliability2: {gte: 0.95},
      geolocation: {in: ['US']},
      cuda_max_good: {gte: 12.4},
      order: [['dph_total', 'asc']],
      limit: 30,
    })
  })

  it.each([
    ['A100', {gpu_name: {in: ['A100 PCIE', 'A100 SXM4']}}],
    ['A100 80GB', {gpu_name: {in: ['A100 PCIE', 'A100 SXM4']}, gpu_ram: {gte: 80000}}],
    ['H100 SXM', {gpu_name: {in: ['H100 SXM']}, gpu_ram: {gte: 80000}}],
  ])('a GPU filter %j pushes names and the VRAM it implies', (gpuType, expected) => {
    expect(buildVastQuery({gpuType}, options)).toMatchObject(expected)
  })

  it('leaves the name to the client-side filter when no Vast spelling is known', () => {
    expect(buildVastQuery({gpuType: 'RTX 9999'}, options)).not.toHaveProperty('gpu_name')
  })

  it('pushes a country name as its code, and keeps a city to the client side', () => {
    expect(buildVastQuery({location: 'Germany'}, options)).toMatchObject({geolocation: {in: ['DE']}})
    expect(buildVastQuery({location: 'Texas'}, options)).not.toHaveProperty('geolocation')
  })

  it.each([
    ['reliability', undefined, [['reliability2', 'desc']]],
    ['vram', 'asc', [['gpu_ram', 'asc']]],
    ['fetched_at', undefined, [['dph_total', 'asc']]],
  ] as const)('orders by %s', (sort, order, expected) => {
    expect(buildVastQuery({sort, order}, options).order).toEqual(expected)
  })

  it('sends allocated_storage only when configured', () => {
    expect(buildVastQuery({}, {defaultLimit: 10, allocatedStorageGb: 50})).toMatchObject({allocated_storage: 50, limit: 10})
  })
})

describe('offerMatchesQuery', () => {
  const offer: Offer = {
    id: 'vastai-1', provider: 'vastai', providerId: '1', gpuType: 'A100 80GB SXM', gpuCount: 2, vramGb: 80,
    pricePerHour: toMicroUsd('1.2'), location: 'Texas, US', countryCode: 'US', reliability: 0.97, available: true,
    fetchedAt: 0, cudaVersion: 12.4, diskGb: 100, cpuCores: 16, ramGb: 64, inetDownMbps: 900,
    priceIncludes: {diskGb: 50, vcpus: null, ramGb: null}, diskRate: null,
  }
  it.each([
    [{}, true],
    [{gpuType: 'A100'}, true],
    [{gpuType: 'a100 80gb'}, true],
    [{gpuType: 'A100 40GB'}, false],
    [{gpuType: 'A100 PCIe'}, false],
    [{minVramGb: 81}, false],
    [{maxPricePerHour: toMicroUsd('1.19')}, false],
    [{maxPricePerHour: toMicroUsd('1.2')}, true],
    [{minGpuCount: 3}, false],
    [{minReliability: 0.98}, false],
    [{minCuda: 12.8}, false],
    [{location: 'US'}, true],
    [{location: 'texas'}, true],
    [{location: 'DE'}, false],
  ])('%j → %s', (query, expected) => {
    expect(offerMatchesQuery(offer, query)).toBe(expected)
  })

  it('drops offers that are not available', () => {
    expect(offerMatchesQuery({...offer, available: false}, {})).toBe(false)
  })
})
