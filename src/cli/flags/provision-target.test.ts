import {describe, expect, it} from 'vitest'

import {EXIT} from '../exit-codes.js'
import {userRefusalOf} from '../../../test/support/user-refusal.js'
import {provisionTarget} from './provision-target.js'

const refusal = userRefusalOf

describe('provisionTarget', () => {
  it('rents an exact offer with --offer-id', () => {
    expect(provisionTarget({'offer-id': ' vastai-1 '})).toEqual({kind: 'offer', offerId: 'vastai-1'})
  })

  it('provisions by spec with --gpu-type, one GPU by default', () => {
    expect(provisionTarget({'gpu-type': 'RTX 4090', region: 'US', 'max-price': 0.5})).toEqual({kind: 'spec', gpuType: 'RTX 4090', gpus: 1, region: 'US', maxPrice: 0.5})
    expect(provisionTarget({'gpu-type': 'H100', gpus: 8})).toMatchObject({kind: 'spec', gpus: 8})
  })

  it('refuses --offer-id with --gpu-type, naming both, as a usage error that created nothing', () => {
    const err = refusal(() => provisionTarget({'offer-id': 'vastai-1', 'gpu-type': 'RTX 4090'}))
    expect(err.message).toMatch(/--offer-id and --gpu-type cannot be combined/)
    expect(err.message).toMatch(/No instance was created/)
    expect(err.exitCode).toBe(EXIT.USAGE)
  })

  it('asks for one of them when neither is given', () => {
    const err = refusal(() => provisionTarget({}))
    expect(err.message).toMatch(/--offer-id <ID>.*--gpu-type <MODEL>/)
    expect(err.fix).toMatch(/provision --gpu-type/)
  })

  it('refuses spec flags next to an offer id, naming them', () => {
    expect(refusal(() => provisionTarget({'offer-id': 'vastai-1', gpus: 2})).message).toMatch(/^--gpus describes a spec and only goes with --gpu-type/)
    expect(refusal(() => provisionTarget({'offer-id': 'vastai-1', region: 'US', 'max-price': 1})).message).toMatch(/^--region, --max-price describe a spec/)
  })

  it('refuses a raw template hash with a spec (a template id picks among the offers that can run it), and spec values out of range', () => {
    expect(refusal(() => provisionTarget({'gpu-type': 'RTX 4090', 'template-hash-id': 'abc'})).message).toMatch(/--template-hash-id/)
    expect(provisionTarget({'gpu-type': 'RTX 4090', template: 'vastai-abc'})).toMatchObject({kind: 'spec', gpuType: 'RTX 4090'})
    expect(provisionTarget({'offer-id': 'vastai-1', template: 'vastai-abc'})).toEqual({kind: 'offer', offerId: 'vastai-1'})
    expect(refusal(() => provisionTarget({'offer-id': 'vastai-1', template: ' '})).message).toMatch(/--template must not be empty/)
    expect(refusal(() => provisionTarget({'gpu-type': 'RTX 4090', gpus: 0})).message).toMatch(/--gpus must be between 1 and 64/)
    expect(refusal(() => provisionTarget({'gpu-type': 'RTX 4090', 'max-price': -1})).message).toMatch(/--max-price/)
    expect(refusal(() => provisionTarget({'gpu-type': '  '})).message).toMatch(/--gpu-type must not be empty/)
  })
})
