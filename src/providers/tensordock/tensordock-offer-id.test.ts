import {describe, expect, it} from 'vitest'

import {parseOfferId} from '../../core/offer.js'

import {encodeOfferKey, parseOfferKey} from './tensordock-offer-id.js'

const LOCATION = '1a779525-4c04-4f2c-aa45-58b47d54bb38'

describe('TensorDock offer keys', () => {
  it('round-trips through the public offer id, dashes and all', () => {
    const providerId = encodeOfferKey({locationId: LOCATION, v0Name: 'h100-sxm5-80gb', gpuCount: 8})
    expect(providerId).toBe(`${LOCATION}:h100-sxm5-80gb:8`)
    const split = parseOfferId(`tensordock-${providerId}`)
    expect(split).toEqual({provider: 'tensordock', providerId})
    expect(parseOfferKey(split?.providerId ?? '')).toEqual({locationId: LOCATION, v0Name: 'h100-sxm5-80gb', gpuCount: 8})
  })

  it.each([
    ['cloud-gpu-shopper style', `${LOCATION}-geforcertx4090-pcie-24gb`],
    ['no count', `${LOCATION}:geforcertx4090-pcie-24gb`],
    ['extra part', `${LOCATION}:geforcertx4090-pcie-24gb:1:x`],
    ['short uuid', '1a779525-4c04-4f2c-aa45:geforcertx4090-pcie-24gb:1'],
    ['path in uuid', '../../../../../../../../../../../../:a:1'],
    ['uppercase v0Name', `${LOCATION}:GeForceRTX4090:1`],
    ['slash in v0Name', `${LOCATION}:a40/../x:1`],
    ['space in v0Name', `${LOCATION}:a40 pcie:1`],
    ['dangling dash', `${LOCATION}:a40-:1`],
    ['zero count', `${LOCATION}:a40-pcie-48gb:0`],
    ['fraction', `${LOCATION}:a40-pcie-48gb:1.5`],
    ['negative', `${LOCATION}:a40-pcie-48gb:-1`],
    ['leading zero', `${LOCATION}:a40-pcie-48gb:01`],
    ['huge', `${LOCATION}:a40-pcie-48gb:10000`],
    ['empty', ''],
  ])('refuses %s', (_name, providerId) => {
    expect(parseOfferKey(providerId)).toBeNull()
  })
})
