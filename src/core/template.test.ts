import {describe, expect, it} from 'vitest'

import type {Offer} from './offer.js'
import {inventoryQueryForTemplate, templateCreateTerms, templateDiskGb, type Template} from './template.js'

const vllm: Template = {
  id: 'vastai-a3b7c4ee4de0fbcc79c320b759c1c615',
  provider: 'vastai',
  providerTemplateId: 'a3b7c4ee4de0fbcc79c320b759c1c615',
  name: 'vLLM',
  description: null,
  image: 'vllm/vllm-openai:v0.10.1.1',
  onStart: null,
  exposedPorts: [8000],
  envNames: ['HF_TOKEN'],
  minCudaVersion: 12.8,
  recommendedDiskGb: 100,
  recommended: true,
  nvidiaDriver: 'host',
}
const ubuntu: Template = {...vllm, id: 'tensordock-ubuntu2204', provider: 'tensordock', providerTemplateId: 'ubuntu2204', name: 'Ubuntu 22.04', image: 'ubuntu2204', minCudaVersion: null, nvidiaDriver: 'installed'}
const vastOffer = (cudaVersion: number | null): Pick<Offer, 'id' | 'provider' | 'cudaVersion'> => ({id: 'vastai-42', provider: 'vastai', cudaVersion})
const tdOffer: Pick<Offer, 'id' | 'provider' | 'cudaVersion'> = {id: 'tensordock-loc:geforcertx4090-pcie-24gb:1', provider: 'tensordock', cudaVersion: null}
const asked = (over: Partial<{image: string | null; templateHashId: string | null; diskGb: number}> = {}) => ({image: null, templateHashId: null, diskGb: 100, ...over})

describe('a template on a create', () => {
  it('sends a Vast.ai template by its hash, an image given as well winning as on Vast.ai', () => {
    expect(templateCreateTerms(vllm, vastOffer(12.8), asked())).toEqual({image: null, templateHashId: vllm.providerTemplateId})
    expect(templateCreateTerms(vllm, vastOffer(13), asked({image: 'vllm/vllm-openai:v0.8.5'}))).toEqual({image: 'vllm/vllm-openai:v0.8.5', templateHashId: vllm.providerTemplateId})
  })

  it('boots a TensorDock template\'s OS image, and refuses another image with it', () => {
    expect(templateCreateTerms(ubuntu, tdOffer, asked())).toEqual({image: 'ubuntu2204', templateHashId: null})
    expect(templateCreateTerms(ubuntu, tdOffer, asked({image: 'ubuntu2204'}))).toEqual({image: 'ubuntu2204', templateHashId: null})
    expect(templateCreateTerms(ubuntu, tdOffer, asked({image: 'debian12'}))).toEqual({problem: expect.stringContaining('tensordock-debian12')})
  })

  it.each([
    ['another provider\'s offer', vllm, tdOffer, asked(), /vastai template and .* tensordock offer/],
    ['a driver older than its CUDA', vllm, vastOffer(12.6), asked(), /needs CUDA 12\.8 or later and vastai-42 supports CUDA 12\.6/],
    ['a driver nobody reported', vllm, vastOffer(null), asked(), /does not say which CUDA/],
    ['less disk than it needs', vllm, vastOffer(12.9), asked({diskGb: 60}), /needs 100 GB of disk and 60 GB was asked for/],
    ['a raw hash as well', vllm, vastOffer(12.9), asked({templateHashId: 'abc'}), /give one/],
  ])('refuses %s', (_what, template, offer, request, message) => {
    const terms = templateCreateTerms(template, offer, request)
    expect(terms).toEqual({problem: expect.stringMatching(message)})
  })

  it('raises the default disk to what the template needs, and keeps a disk that was asked for', () => {
    expect(templateDiskGb(undefined, null)).toBe(50)
    expect(templateDiskGb(undefined, {recommendedDiskGb: 32})).toBe(50)
    expect(templateDiskGb(undefined, {recommendedDiskGb: 100.5})).toBe(101)
    expect(templateDiskGb(60, {recommendedDiskGb: 100})).toBe(60)
  })
})

describe('the inventory narrowed to a template', () => {
  it('asks for its provider, the higher CUDA floor and the disk it needs', () => {
    expect(inventoryQueryForTemplate({minCuda: 13, gpuType: 'RTX 5090'}, vllm)).toEqual({query: {minCuda: 13, gpuType: 'RTX 5090', provider: 'vastai', minDiskGb: 100}})
    expect(inventoryQueryForTemplate({minCuda: 12}, vllm)).toEqual({query: {minCuda: 12.8, provider: 'vastai', minDiskGb: 100}})
    expect(inventoryQueryForTemplate({}, ubuntu)).toEqual({query: {provider: 'tensordock', minDiskGb: 100}})
    expect(inventoryQueryForTemplate({provider: 'tensordock'}, vllm)).toEqual({problem: expect.stringContaining('no tensordock offer can run it')})
  })
})
