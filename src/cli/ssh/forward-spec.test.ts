import {describe, expect, it} from 'vitest'

import {userRefusalOf} from '../../../test/support/user-refusal.js'
import {expandForwards} from './connect.js'

const serving = {id: 'sess-1', launch: {image: 'vllm/vllm-openai:v0.8.5', on_start: 'vllm serve a/b', env_keys: [], expose: [8000, 6006], model_id: 'a/b', health_path: '/health'}}

const refusal = (run: () => unknown): string => userRefusalOf(run).message

describe('expandForwards', () => {
  it('reads api, api:LOCAL, a bare port and ssh -L specs, binding loopback for the short forms', () => {
    expect(expandForwards(['api', '6006', '9999:localhost:22'], serving)).toEqual({
      specs: ['127.0.0.1:8000:127.0.0.1:8000', '127.0.0.1:6006:127.0.0.1:6006', '9999:localhost:22'],
      localApi: 'http://127.0.0.1:8000',
    })
    expect(expandForwards(['api:18000'], serving)).toEqual({specs: ['127.0.0.1:18000:127.0.0.1:8000'], localApi: 'http://127.0.0.1:18000'})
    expect(expandForwards([], serving)).toEqual({specs: [], localApi: null})
  })

  it('refuses what it cannot forward, naming the flag and the fix', () => {
    expect(refusal(() => expandForwards(['api'], {id: 'sess-2', launch: null}))).toBe('--forward sess-2 publishes no port, so it has no api_endpoint to forward')
    expect(refusal(() => expandForwards(['70000'], serving))).toBe('--forward 70000 is not a port number (1-65535)')
    expect(refusal(() => expandForwards(['api:0'], serving))).toBe('--forward 0 is not a port number (1-65535)')
    expect(refusal(() => expandForwards(['nope'], serving))).toMatch(/^--forward "nope" is not \[bind:\]port:host:hostport, a port, or api\[:LOCAL_PORT\]$/)
  })
})
