import {describe, expect, it} from 'vitest'

import {
  FORM_WORKLOADS,
  checkProvisionForm,
  cycleWorkload,
  expectedCost,
  exposedPorts,
  formLaunch,
  launchSummary,
  provisionFieldRows,
  provisionTerms,
  type ProvisionFields,
} from './provision-fields.js'

const ok: ProvisionFields = {consumer: 'my-app', hours: '2', disk: '50', workload: 'ssh', model: '', image: '', onStart: '', expose: '', keyIds: []}
const vllm: ProvisionFields = {...ok, workload: 'llm_vllm', model: 'Qwen/Qwen2.5-0.5B-Instruct'}

describe('provision form', () => {
  it('accepts a valid form and names the field that is wrong otherwise', () => {
    expect(checkProvisionForm(ok)).toBeNull()
    expect(checkProvisionForm({...ok, consumer: ''})).toMatch(/^Consumer is required/)
    expect(checkProvisionForm({...ok, consumer: 'a b'})).toMatch(/^Consumer/)
    expect(checkProvisionForm({...ok, hours: '13'})).toMatch(/^Hours .* 1 to 12/)
    expect(checkProvisionForm({...ok, hours: ''})).toMatch(/^Hours/)
    expect(checkProvisionForm({...ok, disk: '5'})).toMatch(/^Disk GB/)
  })

  it("checks what to run by the daemon's rules, in the form's words", () => {
    expect(checkProvisionForm(vllm)).toBeNull()
    expect(checkProvisionForm({...ok, workload: 'llm_tgi'})).toBe(
      'Model is required with workload type llm_tgi: the model to serve, e.g. Qwen/Qwen2.5-0.5B-Instruct.',
    )
    expect(checkProvisionForm({...vllm, model: 'qwen'})).toMatch(/^Model "qwen" is not a model id of the form org\/name/)
    expect(checkProvisionForm({...ok, image: 'Bad:Image:'})).toMatch(/^Image "Bad:Image:" is not an image reference/)
    expect(checkProvisionForm({...ok, expose: '8000, 70000'})).toBe('Expose 70000 is not a port number (1-65535).')
    expect(checkProvisionForm({...ok, expose: '22'})).toMatch(/^Expose 22 is SSH/)
    expect(checkProvisionForm({...ok, expose: '1 2 3 4 5 6 7 8 9'})).toBe('Expose names 9 ports; at most 8.')
    // No form message speaks of the CLI's flags
    for (const fields of [{...ok, workload: 'llm_vllm' as const}, {...vllm, model: 'x'}, {...ok, image: 'A'}]) {
      expect(checkProvisionForm(fields)).not.toMatch(/--/)
    }
  })

  it('shows and uses the model only for a model server, a start command only for a box', () => {
    expect(provisionFieldRows('ssh')).toEqual(['consumer', 'hours', 'disk', 'workload', 'image', 'onStart', 'expose'])
    expect(provisionFieldRows('llm_vllm')).toEqual(['consumer', 'hours', 'disk', 'workload', 'model', 'image', 'expose'])
    // What is hidden is neither checked nor sent: a command kept from ssh does not trouble a model server
    expect(checkProvisionForm({...vllm, onStart: 'python3 serve.py'})).toBeNull()
    expect(provisionTerms('vastai-1', {...vllm, onStart: 'python3 serve.py'})).not.toHaveProperty('on_start')
    expect(provisionTerms('vastai-1', {...ok, model: 'org/m'})).not.toHaveProperty('model_id')
  })

  it('cycles the workload both ways and wraps around', () => {
    expect(FORM_WORKLOADS).toEqual(['ssh', 'llm_vllm', 'llm_tgi'])
    expect(cycleWorkload('ssh', 1)).toBe('llm_vllm')
    expect(cycleWorkload('llm_tgi', 1)).toBe('ssh')
    expect(cycleWorkload('ssh', -1)).toBe('llm_tgi')
  })

  it('reads ports separated by commas or spaces', () => {
    expect(exposedPorts('8000, 9000 7000,,')).toEqual([8000, 9000, 7000])
    expect(exposedPorts('  ')).toEqual([])
  })

  it('sends only what is set', () => {
    expect(provisionTerms('vastai-1', ok)).toEqual({consumer_id: 'my-app', offer_id: 'vastai-1', workload_type: 'ssh', reservation_hours: 2, disk_gb: 50})
    expect(provisionTerms('vastai-1', {...vllm, expose: '9000', keyIds: ['key-1']})).toEqual({
      consumer_id: 'my-app',
      offer_id: 'vastai-1',
      workload_type: 'llm_vllm',
      reservation_hours: 2,
      disk_gb: 50,
      ssh_key_ids: ['key-1'],
      expose: [9000],
      model_id: 'Qwen/Qwen2.5-0.5B-Instruct',
    })
    expect(provisionTerms('vastai-1', {...ok, image: ' pytorch/pytorch:2.5.1 ', onStart: ' python3 -m http.server 8000 ', expose: '8000'})).toMatchObject({
      image: 'pytorch/pytorch:2.5.1',
      on_start: 'python3 -m http.server 8000',
      expose: [8000],
    })
    expect(provisionTerms('vastai-1', {...ok, onStart: '   '})).not.toHaveProperty('on_start')
  })

  it('says what will run and when the session counts as running', () => {
    const summary = (fields: ProvisionFields) => {
      const resolved = formLaunch(fields)
      if (!('launch' in resolved)) throw new Error(resolved.problem)
      return launchSummary(fields.workload, resolved.launch)
    }
    expect(summary(ok)).toBeNull()
    expect(summary(vllm)).toBe('Workload llm_vllm: serves Qwen/Qwen2.5-0.5B-Instruct with vllm/vllm-openai:v0.8.5 on port 8000; running once /health answers.')
    expect(summary({...vllm, workload: 'llm_tgi', expose: '9000'})).toBe(
      'Workload llm_tgi: serves Qwen/Qwen2.5-0.5B-Instruct with ghcr.io/huggingface/text-generation-inference:3.3.4 on port 8080 (also publishes port 9000); running once /health answers.',
    )
    expect(summary({...ok, onStart: 'python3 -m http.server 8000', expose: '8000'})).toBe(
      "Workload ssh: runs `python3 -m http.server 8000` once the box is verified (output in ~/.gpu-shopper/workload.log), in the provider's default image, publishes port 8000; running once it is started.",
    )
  })

  it('prices the whole reservation in integer micro-USD', () => {
    expect(expectedCost(485_400, 3)).toBe(1_456_200)
    expect(Number.isInteger(expectedCost(333_333, 12))).toBe(true)
  })
})
