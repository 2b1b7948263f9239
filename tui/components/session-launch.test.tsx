import {Box} from 'ink'
import {afterEach, describe, expect, it} from 'vitest'

import type {LaunchDto} from '../../src/core/api/launch.js'
import {launchDetail} from '../model/session-rows.js'
import {renderTui, type RenderedTui} from '../test-render.js'
import {SessionLaunch, sessionLaunchHeight} from './session-launch.js'

const vllm: LaunchDto = {
  image: 'vllm/vllm-openai:v0.8.5',
  on_start: 'vllm serve Qwen/Qwen2.5-0.5B-Instruct --host 0.0.0.0 --port 8000',
  env_keys: [],
  expose: [8000],
  model_id: 'Qwen/Qwen2.5-0.5B-Instruct',
  health_path: '/health',
}
const serving = {id: 'sess-abc', status: 'provisioning', workload_type: 'llm_vllm', launch: vllm, api_endpoint: null} as const

let screen: RenderedTui | undefined
afterEach(() => screen?.unmount())

function draw(session: Parameters<typeof launchDetail>[0], columns = 100): RenderedTui {
  screen = renderTui(
    <Box flexDirection="column" width={columns}>
      <SessionLaunch detail={launchDetail(session)} />
    </Box>,
    {columns},
  )
  return screen
}

describe('the session detail of a launch', () => {
  it('waits for /health while the model server comes up, and says how to reach it from here', async () => {
    const frame = await draw(serving).waitFor('API')
    expect(frame.split('\n')).toEqual([
      'llm_vllm serving Qwen/Qwen2.5-0.5B-Instruct · image vllm/vllm-openai:v0.8.5 · port 8000',
      'API waiting for /health · on this machine: gpu-shopper connect sess-abc --forward api -N',
    ])
  })

  it('shows the public endpoint once it answers', async () => {
    const frame = await draw({...serving, status: 'running', api_endpoint: 'http://203.0.113.7:41234'}).waitFor('API')
    expect(frame.split('\n')[1]).toBe('API http://203.0.113.7:41234 · on this machine: gpu-shopper connect sess-abc --forward api -N')
  })

  it('cuts its lines to the terminal rather than wrapping them', async () => {
    const frame = await draw(serving, 40).waitFor('API')
    expect(frame.split('\n')).toHaveLength(2)
    expect(Math.max(...frame.split('\n').map((l) => l.length))).toBeLessThanOrEqual(40)
  })

  it('takes one line without a published port, none for an empty box', () => {
    expect(sessionLaunchHeight(launchDetail(serving))).toBe(2)
    expect(sessionLaunchHeight(launchDetail({...serving, workload_type: 'ssh', launch: {...vllm, model_id: null, health_path: null, expose: []}}))).toBe(1)
    expect(sessionLaunchHeight(launchDetail({...serving, launch: null}))).toBe(0)
  })
})
