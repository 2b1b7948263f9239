import {describe, expect, it} from 'vitest'

import type {CatalogItem} from '../../../core/api/catalog.js'
import {toTsv} from './column.js'
import {CATALOG_COLUMNS, listCell} from './catalog.js'

const item: CatalogItem = {
  sku: 'rtx-4090', gpu_type: 'RTX 4090', vram_gb: 24, gpus_total: 2, hourly_price_minor: 70,
  min_price_per_hour: 0.7, max_price_per_hour: 1.1, min_price_per_hour_micro_usd: 700_000, max_price_per_hour_micro_usd: 1_100_000,
  offers: 12, regions: ['US', 'DE'], providers: ['tensordock', 'vastai'],
}

describe('catalog columns', () => {
  it('render a SKU with its cheapest whole-SKU price from exact micro-USD', () => {
    // Given one SKU, when it is rendered for a pipe
    const cells = toTsv(CATALOG_COLUMNS, [item], {now: 0}).split('\t')

    // Then every declared column has its plain value
    expect(cells).toEqual(['rtx-4090', 'RTX 4090', '24 GB', '2', '$0.70', '12', 'US,DE', 'tensordock,vastai'])
    expect(CATALOG_COLUMNS.map((c) => c.header)).toEqual(['SKU', 'GPU', 'VRAM', 'GPUS', 'FROM $/H', 'OFFERS', 'REGIONS', 'PROVIDERS'])
  })

  it('shorten long region lists and show an empty one as "-"', () => {
    expect(listCell(['US', 'DE', 'FR', 'NL', 'SE', 'NO'])).toBe('US,DE,FR,NL +2')
    expect(listCell(['US', 'DE', 'FR', 'NL'])).toBe('US,DE,FR,NL')
    expect(listCell([])).toBe('-')
  })
})
