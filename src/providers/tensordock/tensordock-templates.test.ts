import {afterEach, describe, expect, it} from 'vitest'

import {startScriptedServer, type ScriptedServer} from '../http/scripted-http-server.js'
import {TensorDockAdapter} from './tensordock-adapter.js'

let server: ScriptedServer | null = null
afterEach(async () => {
  await server?.close()
  server = null
})

describe('TensorDockAdapter.listTemplates', () => {
  it('offers its OS images as templates without asking its API, each needing its 100 GB minimum', async () => {
    // Given a TensorDock API that would answer anything
    server = await startScriptedServer(() => ({status: 599, body: 'no call expected'}))
    const adapter = new TensorDockAdapter({baseUrl: server.url, apiToken: 'td-token-templates'})

    // When its templates are listed
    const templates = await adapter.listTemplates()

    // Then they are its Linux images, the default one recommended, and nothing was sent
    expect(server.requests).toEqual([])
    expect(templates.map((t) => [t.id, t.recommended, t.nvidiaDriver])).toEqual([
      ['tensordock-ubuntu2404', false, 'missing'],
      ['tensordock-ubuntu2204', true, 'installed'],
      ['tensordock-ubuntu2004', false, 'unverified'],
      ['tensordock-debian12', false, 'unverified'],
    ])
    for (const t of templates) {
      expect(t).toMatchObject({provider: 'tensordock', image: t.providerTemplateId, recommendedDiskGb: 100, minCudaVersion: null, exposedPorts: [], envNames: []})
    }
    expect(templates[0]?.description).toMatch(/without an NVIDIA driver/)
  })

  it('finds one image by name, and none for a name it does not boot', async () => {
    server = await startScriptedServer(() => ({status: 599}))
    const adapter = new TensorDockAdapter({baseUrl: server.url, apiToken: 'td-token-templates', image: 'debian12'})
    expect((await adapter.listTemplates({providerTemplateId: 'debian12'})).map((t) => [t.name, t.recommended])).toEqual([['Debian 12', true]])
    expect(await adapter.listTemplates({providerTemplateId: 'windows10'})).toEqual([])
    expect(server.requests).toEqual([])
  })
})
