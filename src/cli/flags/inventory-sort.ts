import {Flags} from '@oclif/core'

import type {OfferSortKey} from '../../core/inventory-query.js'

/** What users type (flag values are hyphenated everywhere) → the API's snake_case sort key. */
export const SORT_FLAG_VALUES: Readonly<Record<string, OfferSortKey>> = {
  price: 'price',
  'price-per-gpu': 'price_per_gpu',
  vram: 'vram',
  reliability: 'reliability',
  'fetched-at': 'fetched_at',
}

/**
 * `--sort`: the hyphenated names, plus the API's underscore spelling so a value copied from a
 * URL or the docs of the HTTP API still works.
 */
export function sortKeyOf(input: string): OfferSortKey | undefined {
  const key = input.trim().toLowerCase()
  return SORT_FLAG_VALUES[key] ?? SORT_FLAG_VALUES[key.replaceAll('_', '-')]
}

export const sortFlag = Flags.custom<OfferSortKey>({
  description: `Sort key: ${Object.keys(SORT_FLAG_VALUES).join(', ')}`,
  helpValue: Object.keys(SORT_FLAG_VALUES).join('|'),
  parse: async (input) => {
    const key = sortKeyOf(input)
    if (!key) throw new Error(`expected one of ${Object.keys(SORT_FLAG_VALUES).join(', ')}, got "${input}"`)
    return key
  },
})
