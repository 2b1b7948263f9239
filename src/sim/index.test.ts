import {describe, expect, it} from 'vitest'

import {startSimulators} from './index.js'

describe('startSimulators', () => {
  it('starts the Vast.ai simulator at a host root and closes it', async () => {
    const sims = await startSimulators({seed: 3, offerCount: 20})
    try {
      expect(sims.vastai.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${sims.vastai.url}/api/v0/bundles/`, {method: 'POST', body: '{}'})
      expect(res.status).toBe(200)
      expect(sims.vastai.sshHostKeyFingerprint).toMatch(/^SHA256:/)
    } finally {
      await sims.close()
    }
    await expect(fetch(`${sims.vastai.url}/api/v0/bundles/`)).rejects.toThrow()
  })
})
