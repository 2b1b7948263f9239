import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {toMicroUsd} from '../core/money.js'
import {DEFAULT_LIBVIRT} from '../core/node.js'
import type {Offer} from '../core/offer.js'
import type {StoredNode} from '../store/nodes-repo.js'
import {offerFixture} from '../../test/support/offer-fixture.js'
import {startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {InventoryService} from './inventory-service.js'
import {ProviderRegistry} from './provider-registry.js'

/** The catalog over a real store holding marketplace offers beside a self-hosted node's. */
describe('catalog with self-hosted nodes', () => {
  let h: ServiceHarness
  let inventory: InventoryService

  const nodeOffer = (id: string, over: Partial<Offer>): Offer =>
    offerFixture(`selfhosted-${id}`, {location: 'home-lab', countryCode: null, reliability: null, diskRate: null, ...over})

  function node(name: string, region: string): StoredNode {
    return {
      id: `node-${name}`,
      name,
      host: '127.0.0.1',
      port: 22,
      user: 'root',
      identityFile: '/nonexistent/id_ed25519',
      region,
      pricing: {pricePerGpuHour: toMicroUsd(0.5), cpuSlices: 1, cpuSlicePricePerHour: toMicroUsd(0.02)},
      libvirt: {...DEFAULT_LIBVIRT, baseImage: null, virtType: 'auto'},
      hostKey: {fingerprint: 'SHA256:AAAA', publicKey: 'ssh-ed25519 AAAA'},
      discovery: null,
      discoveredAt: null,
      createdAt: h.clock.now(),
    }
  }

  beforeEach(async () => {
    h = await startServiceHarness()
    // No refresh workers: the catalog reads the offers this test stores, and nothing else.
    inventory = new InventoryService({...h.ctx, providers: new ProviderRegistry()})
    await h.ctx.store.offers.upsertMany([
      offerFixture('vastai-1', {pricePerHour: toMicroUsd(0.4)}),
      offerFixture('tensordock-de-1', {location: 'Frankfurt, DE', countryCode: 'DE', pricePerHour: toMicroUsd(0.6)}),
      nodeOffer('lab.1x-rtx-4090', {pricePerHour: toMicroUsd(0.5)}),
      nodeOffer('lab.2x-rtx-4090', {gpuCount: 2, pricePerHour: toMicroUsd(1)}),
    ])
    await h.ctx.store.nodes.insert(node('lab', 'home-lab'))
    await h.ctx.store.nodes.insert(node('spare', 'basement'))
  })
  afterEach(async () => h.close())

  const summary = (rows: Awaited<ReturnType<InventoryService['catalog']>>) =>
    rows.map((r) => ({sku: `${r.gpuCount}x ${r.gpuType}`, offers: r.offers, min: r.minPrice, max: r.maxPrice, regions: r.countries, providers: r.providers}))

  it('lists a node\'s region among a SKU\'s regions, beside the marketplaces\' countries', async () => {
    expect(summary(await inventory.catalog(h.ctx, {}))).toEqual([
      {sku: '1x RTX 4090', offers: 3, min: toMicroUsd(0.4), max: toMicroUsd(0.6), regions: ['DE', 'US', 'home-lab'], providers: ['selfhosted', 'tensordock', 'vastai']},
      {sku: '2x RTX 4090', offers: 1, min: toMicroUsd(1), max: toMicroUsd(1), regions: ['home-lab'], providers: ['selfhosted']},
    ])
  })

  it('filters by a node\'s region, in any case, and by the provider', async () => {
    const inLab = summary(await inventory.catalog(h.ctx, {region: 'Home-Lab'}))
    expect(inLab).toEqual([
      {sku: '1x RTX 4090', offers: 1, min: toMicroUsd(0.5), max: toMicroUsd(0.5), regions: ['home-lab'], providers: ['selfhosted']},
      {sku: '2x RTX 4090', offers: 1, min: toMicroUsd(1), max: toMicroUsd(1), regions: ['home-lab'], providers: ['selfhosted']},
    ])
    expect(summary(await inventory.catalog(h.ctx, {region: 'home-lab', provider: 'vastai'}))).toEqual([])
    expect(summary(await inventory.catalog(h.ctx, {provider: 'selfhosted'})).map((r) => [r.sku, r.regions])).toEqual([
      ['1x RTX 4090', ['home-lab']],
      ['2x RTX 4090', ['home-lab']],
    ])
  })

  it('keeps the marketplaces\' country filter as it was, adding a node whose region is that code', async () => {
    expect(summary(await inventory.catalog(h.ctx, {region: 'us-east-1'}))).toEqual([
      {sku: '1x RTX 4090', offers: 1, min: toMicroUsd(0.4), max: toMicroUsd(0.4), regions: ['US'], providers: ['vastai']},
    ])
    await h.ctx.store.offers.upsertMany([nodeOffer('attic.1x-rtx-4090', {location: 'DE', pricePerHour: toMicroUsd(0.3)})])
    expect(summary(await inventory.catalog(h.ctx, {region: 'DE'}))).toEqual([
      {sku: '1x RTX 4090', offers: 2, min: toMicroUsd(0.3), max: toMicroUsd(0.6), regions: ['DE'], providers: ['selfhosted', 'tensordock']},
    ])
  })

  it('answers a registered node\'s region with nothing on sale there, and refuses a region that is neither', async () => {
    expect(await inventory.catalog(h.ctx, {region: 'basement'})).toEqual([])
    await expect(inventory.catalog(h.ctx, {region: 'garage'})).rejects.toMatchObject({
      errorType: 'validation_error',
      message: expect.stringMatching(/^region "garage" neither starts with a country code .* nor is the region of a registered node/),
    })
  })
})
