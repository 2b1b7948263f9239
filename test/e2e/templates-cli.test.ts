import {describe, expect, it} from 'vitest'

import {simulatedDaemonCli} from '../support/simulated-daemon-cli.js'

const VLLM = 'vastai-a3b7c4ee4de0fbcc79c320b759c1c615'
const COMFY = 'vastai-0975b65b4e7d3ccecd7f04bd886038dd'
/** Values the simulated templates set: tokens in the real world, never to be shown. */
const TEMPLATE_SECRETS = ['hf_vastTemplatePlaceholder0000', 'civitai_placeholder_7d1f']

/**
 * Templates through the real binary against `daemon start --simulate`: listed and shown with
 * their variables by name only, the inventory narrowed to the offers that can run one, and a
 * session provisioned with one reaching running on the simulated Vast.ai.
 */
describe('templates through the CLI binary', () => {
  const {cli, data, seen} = simulatedDaemonCli()

  it('lists and shows templates, variables by name only', async () => {
    // When the templates are listed
    const listed = await data('templates', 'list')
    expect(listed.providers).toEqual([
      {provider: 'vastai', ok: true, error: null},
      {provider: 'tensordock', ok: true, error: null},
    ])
    const ids = (listed.templates as {id: string}[]).map((t) => t.id)
    expect(ids).toEqual(expect.arrayContaining([VLLM, 'tensordock-ubuntu2204']))
    // Piped, one tab-separated line per template, no header
    const piped = await cli(['templates', 'list', '--provider', 'vastai', '--name', 'vllm'])
    expect(piped.exitCode, piped.stderr).toBe(0)
    expect(piped.stdout.trim().split('\n')).toEqual([`${VLLM}\tvLLM\tvllm/vllm-openai:v0.10.1.1\t>= 12.8\t100 GB\t8000\tyes`])

    // When a template that is not listed is shown
    const shown = await cli(['templates', 'show', COMFY])
    expect(shown.exitCode, shown.stderr).toBe(0)
    expect(shown.stdout).toMatch(/Name\s+ComfyUI \(community\)/)
    expect(shown.stdout).toMatch(/Variables\s+COMFYUI_ARGS, CIVITAI_TOKEN \(values not shown\)/)
    expect(shown.stdout).toMatch(/CUDA\s+12\.9 or later/)
    expect((await data('templates', 'show', 'tensordock-ubuntu2404')).nvidia_driver).toBe('missing')

    // And an unknown one is refused with the fix
    const unknown = await cli(['templates', 'show', 'vastai-ffffffffffffffffffffffffffffffff', '--json'])
    expect(unknown.exitCode).not.toBe(0)
    expect(unknown.json().error).toMatchObject({error_type: 'not_found', fix: expect.stringContaining('templates list')})
  })

  it('narrows the inventory to the offers that can run a template', async () => {
    const fit = await data('inventory', '--template', VLLM, '--limit', '50')
    expect(fit.offers.length).toBeGreaterThan(0)
    for (const offer of fit.offers as {provider: string; cuda_version: number; disk_gb: number}[]) {
      expect(offer.provider).toBe('vastai')
      expect(offer.cuda_version).toBeGreaterThanOrEqual(12.8)
      expect(offer.disk_gb).toBeGreaterThanOrEqual(100)
    }
    const unknown = await cli(['inventory', '--template', 'vastai-nope', '--json'])
    expect(unknown.exitCode).not.toBe(0)
    expect(unknown.json().error).toMatchObject({error_type: 'validation_error', fix: expect.stringContaining('--template')})
  })

  it('provisions with a template: refused on an offer that cannot run it, running on one that can', async () => {
    // A TensorDock offer cannot run a Vast.ai template: refused, nothing rented
    const tensordock = (await data('inventory', '--provider', 'tensordock', '--limit', '1')).offers[0].id as string
    const refused = await cli(['provision', '--offer-id', tensordock, '--template', VLLM, '--hours', '1', '--json'])
    expect(refused.exitCode).not.toBe(0)
    expect(refused.json().error).toMatchObject({error_type: 'validation_error', message: expect.stringMatching(/template: .*vastai template.*No instance was created/), fix: expect.stringContaining('--template')})

    // The cheapest offer that can run it, rented with it and waited for
    const offer = (await data('inventory', '--template', VLLM, '--sort', 'price', '--limit', '1')).offers[0]
    const provisioned = await data('provision', '--offer-id', offer.id, '--template', VLLM, '--hours', '1', '--wait', '--timeout', '150')
    expect(provisioned.session).toMatchObject({status: 'running', offer_id: offer.id, provider: 'vastai', disk_gb: 100})
    expect(provisioned.session.price_per_hour_micro_usd).toBeGreaterThan(offer.price_per_hour_micro_usd)

    const done = await cli(['done', provisioned.session.id, '--wait'])
    expect(done.exitCode, done.stderr).toBe(0)
    for (const secret of TEMPLATE_SECRETS) expect(seen.join('\n')).not.toContain(secret)
  })
})
