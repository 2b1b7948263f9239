import {describe, expect, it} from 'vitest'

import {startSimulators} from './index.js'

describe('startSimulators', () => {
  it('starts the Vast.ai and TensorDock simulators at host roots and closes them', async () => {
    const sims = await startSimulators({seed: 3, offerCount: 20})
    try {
      expect(sims.vastai.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${sims.vastai.url}/api/v0/bundles/`, {method: 'POST', body: '{}'})
      expect(res.status).toBe(200)
      expect(sims.tensordock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(sims.tensordock.url).not.toBe(sims.vastai.url)
      const locations = await fetch(`${sims.tensordock.url}/api/v2/locations`, {headers: {Authorization: 'Bearer any-token'}})
      expect(locations.status).toBe(200)
    } finally {
      await sims.close()
    }
    await expect(fetch(`${sims.vastai.url}/api/v0/bundles/`)).rejects.toThrow()
    await expect(fetch(`${sims.tensordock.url}/api/v2/locations`)).rejects.toThrow()
  })

  it('starts only the providers asked for', async () => {
    const sims = await startSimulators({providers: ['tensordock']})
    try {
      expect((await fetch(`${sims.tensordock.url}/api/v2/locations?api_key=a&api_token=b`)).status).toBe(200)
      await expect(fetch(`${sims.vastai.url}/api/v0/bundles/`)).rejects.toThrow()
    } finally {
      await sims.close()
    }
  })
})
