import {describe, expect, it} from 'vitest'

import type {TemplateDto} from '../../src/core/api/templates.js'
import {
  FORM_WORKLOADS,
  checkProvisionForm,
  cycleWorkload,
  defaultProvisionFields,
  expectedCost,
  exposedPorts,
  formLaunch,
  launchSummary,
  provisionFieldRows,
  provisionTerms,
  retrySummary,
  stepPicker,
  templateSummary,
  templatesForOffer,
  type ProvisionFields,
} from './provision-fields.js'

const ok: ProvisionFields = {...defaultProvisionFields('my-app'), hours: '2'}
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
    const safety = ['template', 'retries', 'scope', 'sshTimeout']
    expect(provisionFieldRows('ssh')).toEqual(['consumer', 'hours', 'disk', 'workload', 'image', 'onStart', 'expose', ...safety])
    expect(provisionFieldRows('llm_vllm')).toEqual(['consumer', 'hours', 'disk', 'workload', 'model', 'image', 'expose', ...safety])
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

  describe('template and auto-retry', () => {
    const template = (over: Partial<TemplateDto>): TemplateDto => ({
      id: 'vastai-abc',
      provider: 'vastai',
      provider_template_id: 'abc',
      name: 'vLLM',
      description: null,
      image: 'vllm/vllm-openai:v0.10.1.1',
      on_start: null,
      exposed_ports: [8000],
      env_names: [],
      min_cuda_version: 12.8,
      recommended_disk_gb: 100,
      recommended: true,
      nvidia_driver: 'host',
      ...over,
    })
    const vllmTemplate = template({})
    const pytorch = template({id: 'vastai-def', name: 'PyTorch', image: 'pytorch/pytorch', min_cuda_version: 12.4, recommended_disk_gb: 40})
    const ubuntu = template({id: 'tensordock-ubuntu2204', provider: 'tensordock', name: 'Ubuntu 22.04', image: null, min_cuda_version: null, recommended_disk_gb: 100})

    it("offers only the templates the offer can run: its provider's, for a CUDA its driver supports", () => {
      const all = [vllmTemplate, pytorch, ubuntu]
      expect(templatesForOffer({provider: 'vastai', cuda_version: 12.8}, all)).toEqual([vllmTemplate, pytorch])
      expect(templatesForOffer({provider: 'vastai', cuda_version: 12.6}, all)).toEqual([pytorch])
      // An offer that does not say which CUDA it has runs only templates that need none
      expect(templatesForOffer({provider: 'vastai', cuda_version: null}, all)).toEqual([])
      expect(templatesForOffer({provider: 'tensordock', cuda_version: null}, all)).toEqual([ubuntu])
      expect(templatesForOffer({provider: 'selfhosted', cuda_version: 12.8}, all)).toEqual([])
    })

    it('picks a template both ways through none, raising the disk to what it needs but never lowering it', () => {
      const templates = [vllmTemplate, pytorch]
      const picked = stepPicker(ok, 'template', 1, templates)
      expect(picked).toMatchObject({template: 'vastai-abc', disk: '100'})
      expect(stepPicker(picked, 'template', 1, templates)).toMatchObject({template: 'vastai-def', disk: '100'})
      expect(stepPicker(picked, 'template', -1, templates)).toMatchObject({template: '', disk: '100'})
      expect(stepPicker(ok, 'template', -1, templates)).toMatchObject({template: 'vastai-def', disk: '50'})
      expect(stepPicker({...ok, disk: '500'}, 'template', 1, templates)).toMatchObject({disk: '500'})
      // A disk not typed as a number is left for the check to name
      expect(stepPicker({...ok, disk: ''}, 'template', 1, templates)).toMatchObject({template: 'vastai-abc', disk: ''})
      // No template to pick: it stays none
      expect(stepPicker(ok, 'template', 1, [])).toMatchObject({template: ''})
    })

    it('steps the retries from off to the limit and the scope through its three, wrapping around', () => {
      expect(stepPicker(ok, 'retries', 1, []).retries).toBe(1)
      expect(stepPicker(ok, 'retries', -1, []).retries).toBe(5)
      expect(stepPicker({...ok, retries: 5}, 'retries', 1, []).retries).toBe(0)
      expect(stepPicker(ok, 'scope', 1, []).scope).toBe('same-price-band')
      expect(stepPicker(ok, 'scope', -1, []).scope).toBe('any')
      expect(stepPicker(ok, 'workload', 1, []).workload).toBe('llm_vllm')
    })

    it("names the disk a template needs and an SSH timeout out of range, in the form's words", () => {
      expect(checkProvisionForm({...ok, template: 'vastai-abc'}, vllmTemplate)).toBe('Disk GB must be at least 100: template vLLM needs that much.')
      expect(checkProvisionForm({...ok, template: 'vastai-abc', disk: '100'}, vllmTemplate)).toBeNull()
      expect(checkProvisionForm({...ok, sshTimeout: '29'})).toBe('SSH timeout must be a whole number of seconds from 30 to 10800, or empty.')
      expect(checkProvisionForm({...ok, sshTimeout: '10801'})).toMatch(/^SSH timeout/)
      expect(checkProvisionForm({...ok, sshTimeout: '120'})).toBeNull()
      expect(checkProvisionForm({...ok, sshTimeout: ' '})).toBeNull()
    })

    it('sends the template, and the retry terms only with auto-retry on', () => {
      expect(provisionTerms('vastai-1', {...ok, template: 'vastai-abc', disk: '100'})).toMatchObject({template: 'vastai-abc', disk_gb: 100})
      expect(provisionTerms('vastai-1', {...ok, retries: 3, scope: 'any', sshTimeout: '120'})).toMatchObject({
        auto_retry: true,
        max_retries: 3,
        retry_scope: 'any',
        ssh_timeout_seconds: 120,
      })
      // A scope picked with auto-retry off is not sent: the daemon refuses retry settings without it
      const off = provisionTerms('vastai-1', {...ok, scope: 'any'})
      for (const field of ['template', 'auto_retry', 'max_retries', 'retry_scope', 'ssh_timeout_seconds']) expect(off).not.toHaveProperty(field)
      expect(provisionTerms('vastai-1', {...ok, sshTimeout: '60'})).toMatchObject({ssh_timeout_seconds: 60})
    })

    it('says what the template brings and what happens when the host fails', () => {
      expect(templateSummary(null)).toBeNull()
      expect(templateSummary(vllmTemplate)).toBe('Template vLLM (vastai-abc): vllm/vllm-openai:v0.10.1.1, needs 100 GB of disk.')
      expect(templateSummary(template({image: null, recommended_disk_gb: null}))).toBe('Template vLLM (vastai-abc): its OS image.')
      expect(retrySummary(ok)).toBeNull()
      expect(retrySummary({...ok, sshTimeout: '90'})).toBe('A host that has not let us in over SSH within 90 s is destroyed and the session fails.')
      expect(retrySummary({...ok, retries: 1})).toBe(
        'Auto-retry: a host that does not boot or let us in is destroyed, and up to 1 more try is made on comparable offers (the same GPU model, as many GPUs and as much VRAM), each its own session.',
      )
      expect(retrySummary({...ok, retries: 2, scope: 'same-price-band', sshTimeout: '120'})).toBe(
        'Auto-retry: a host that does not boot or let us in within 120 s is destroyed, and up to 2 more tries are made on comparable offers (any GPU model at most 25% dearer, as many GPUs and as much VRAM), each its own session.',
      )
    })
  })
})
