import {describe, expect, it} from 'vitest'

import type {TemplateDto} from '../../../core/api/templates.js'
import {toTsv} from './column.js'
import {TEMPLATE_COLUMNS, templateDetails} from './templates.js'

const vllm: TemplateDto = {
  id: 'vastai-a3b7c4ee4de0fbcc79c320b759c1c615',
  provider: 'vastai',
  provider_template_id: 'a3b7c4ee4de0fbcc79c320b759c1c615',
  name: 'vLLM',
  description: 'vLLM OpenAI-compatible server.',
  image: 'vllm/vllm-openai:v0.10.1.1',
  on_start: 'vllm serve "$VLLM_MODEL"',
  exposed_ports: [8000],
  env_names: ['VLLM_MODEL', 'HF_TOKEN'],
  min_cuda_version: 12.8,
  recommended_disk_gb: 100,
  recommended: true,
  nvidia_driver: 'host',
}
const ubuntu: TemplateDto = {
  ...vllm,
  id: 'tensordock-ubuntu2404',
  provider: 'tensordock',
  provider_template_id: 'ubuntu2404',
  name: 'Ubuntu 24.04',
  image: 'ubuntu2404',
  on_start: null,
  exposed_ports: [],
  env_names: [],
  min_cuda_version: null,
  recommended: false,
  nvidia_driver: 'missing',
}

describe('template rendering', () => {
  it('lists id, name, image, CUDA floor, disk, ports and whether it is recommended', () => {
    expect(toTsv(TEMPLATE_COLUMNS, [vllm, ubuntu], {now: 0}).split('\n')).toEqual([
      'vastai-a3b7c4ee4de0fbcc79c320b759c1c615\tvLLM\tvllm/vllm-openai:v0.10.1.1\t>= 12.8\t100 GB\t8000\tyes',
      'tensordock-ubuntu2404\tUbuntu 24.04\tubuntu2404\t-\t100 GB\t-\tno',
    ])
  })

  it('shows a template\'s variables by name and says where its driver comes from', () => {
    const details = Object.fromEntries(templateDetails(vllm))
    expect(details).toMatchObject({Variables: 'VLLM_MODEL, HF_TOKEN (values not shown)', CUDA: '12.8 or later', Disk: '100 GB or more', 'NVIDIA driver': "the host's (the offer's CUDA)"})
    expect(Object.fromEntries(templateDetails(ubuntu))).toMatchObject({Variables: '-', CUDA: 'any', 'NVIDIA driver': 'not installed: install one before using the GPU', Starts: '-'})
  })
})
