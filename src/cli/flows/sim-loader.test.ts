import {describe, expect, it} from 'vitest'

import {UserError} from '../errors.js'
import {loadSimulators, simulatorEnvLines, simulatorUrls} from './sim-loader.js'

describe('loadSimulators', () => {
  it('starts both simulated marketplaces, each on its own port', async () => {
    // Given the real simulator module
    const {startSimulators} = await loadSimulators()

    // When both are started on free ports
    const sims = await startSimulators({host: '127.0.0.1', port: 0, tensordockPort: 0, seed: 7})
    try {
      const urls = simulatorUrls(sims)

      // Then each answers its control API as its own provider
      expect(urls.vastai_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(urls.tensordock_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(urls.vastai_url).not.toBe(urls.tensordock_url)
      const vast = (await (await fetch(`${urls.vastai_url}/_sim/info`)).json()) as {provider: string}
      expect(vast.provider).toBe('vastai')
      const td = await fetch(`${urls.tensordock_url}/_sim/info`)
      expect(td.status).toBe(200)
      expect(simulatorEnvLines(urls)).toEqual([`VASTAI_API_URL=${urls.vastai_url}`, `TENSORDOCK_API_URL=${urls.tensordock_url}`])
    } finally {
      await sims.close()
    }
  })

  it('says to rebuild when the module is missing', async () => {
    // Given an import that fails as in a build without the simulators (a literal specifier would not type-check)
    const missing = '../../sim/nope.js'
    const err = await loadSimulators(() => import(missing)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).fix).toBe('Rebuild with `npm run build`.')
  })
})
