import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createLogger} from '../src/log/logger.js'
import {startDaemon, type RunningDaemon} from './server.js'

/** Whatever a user sends, the daemon answers with a 2xx or a 4xx carrying the error shape, never a 5xx. */
describe('daemon robustness against arbitrary input', () => {
  let daemon: RunningDaemon
  let home: string
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'gpu-shopper-fuzz-'))
    daemon = await startDaemon({port: 0, simulate: true, env: {GPU_SHOPPER_HOME: home}, writeState: false, logger: createLogger({level: 'silent'})})
  })
  afterAll(async () => {
    await daemon?.close()
    rmSync(home, {recursive: true, force: true})
  })

  const headers = () => ({authorization: `Bearer ${daemon.token}`, 'content-type': 'application/json'})
  const paths = ['/api/v1/inventory', '/api/v1/sessions', '/api/v1/costs', '/api/v1/costs/summary', '/api/v1/sessions/x', '/api/v1/inventory/x']
  const keys = ['gpu_type', 'max_price', 'min_vram', 'limit', 'offset', 'sort', 'order', 'status', 'consumer_id', 'start_date', 'end_date', 'period', 'session_id', 'after']

  function expectClientOrSuccess(res: {statusCode: number; json: () => any}) {
    expect(res.statusCode).toBeLessThan(500)
    if (res.statusCode >= 400) {
      const body = res.json()
      expect(typeof body.error).toBe('string')
      expect(typeof body.error_type).toBe('string')
      expect(body.request_id).toMatch(/^req-/)
    }
  }

  it('never fails on query strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.dictionary(fc.constantFrom(...keys), fc.string({maxLength: 20})), async (path, query) => {
        const res = await daemon.app.inject({method: 'GET', url: path, query, headers: headers()})
        expectClientOrSuccess(res)
      }),
      {numRuns: 150},
    )
  })

  it('never fails on create and extend bodies', async () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          consumer_id: fc.oneof(fc.string(), fc.integer()),
          offer_id: fc.oneof(fc.string(), fc.constant('vastai-1')),
          workload_type: fc.oneof(fc.constantFrom('llm', 'training', 'batch', 'ssh'), fc.string()),
          reservation_hours: fc.oneof(fc.integer({min: -5, max: 20}), fc.double(), fc.string()),
          disk_gb: fc.oneof(fc.integer(), fc.constant(null)),
          ssh_public_key: fc.string(),
          additional_hours: fc.oneof(fc.integer({min: -3, max: 30}), fc.string()),
        },
        {requiredKeys: []},
      ),
    )
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/v1/sessions', '/api/v1/sessions/nope/extend', '/api/v1/sessions/nope/done'), body, async (url, payload) => {
        const res = await daemon.app.inject({method: 'POST', url, payload: JSON.stringify(payload), headers: headers()})
        expectClientOrSuccess(res)
      }),
      {numRuns: 150},
    )
    expect((await daemon.app.inject({method: 'GET', url: '/api/v1/sessions', headers: headers()})).json().total).toBe(0)
  })

  it('treats an empty JSON body on an action endpoint as no body', async () => {
    const res = await daemon.app.inject({method: 'POST', url: '/api/v1/sessions/sess-missing/done', payload: '', headers: headers()})
    expect(res.statusCode).toBe(404)
    expect(res.json().error_type).toBe('not_found')
  })
})
