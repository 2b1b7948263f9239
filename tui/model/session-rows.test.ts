import {describe, expect, it} from 'vitest'

import {toTsv} from '../../src/cli/output/columns/column.js'
import type {SessionDto} from '../../src/core/api/sessions.js'
import {SESSION_BROWSER_COLUMNS, costSoFar, launchDetail, sessionMatches, uptime} from './session-rows.js'

const NOW = Date.parse('2026-12-01T12:00:00Z')

const session = {
  id: 'sess-1',
  consumer_id: 'my-app',
  provider: 'vastai',
  provider_instance_id: '77',
  offer_id: 'vastai-1',
  gpu_type: 'RTX 4090',
  gpu_count: 2,
  status: 'running',
  ssh_host: '10.0.0.5',
  ssh_port: 2222,
  ssh_user: 'root',
  ssh_host_key_fingerprint: null,
  ssh_host_public_key: null,
  ssh_jump: null,
  ssh_key_ids: [],
  workload_type: 'ssh',
  launch: null,
  api_endpoint: null,
  reservation_hours: 2,
  price_per_hour: 0.72,
  price_per_hour_micro_usd: 720_000,
  disk_gb: 50,
  storage_policy: 'destroy',
  idle_threshold_minutes: 0,
  hard_max_override: false,
  created_at: '2026-12-01T10:59:00Z',
  started_at: '2026-12-01T11:00:00Z',
  expires_at: '2026-12-01T13:00:00Z',
  stopped_at: null,
  failure_reason: null,
  total_cost: 0.6,
  total_cost_micro_usd: 600_000,
  simulated: true,
  auto_retry: null,
  retry_of: null,
  retried_as: null,
  retry_attempt: 0,
  host_id: null,
  template_hash_id: null,
} satisfies SessionDto

describe('session rows', () => {
  it('tick a running session\'s cost as the ledger bills it, never below what is billed', () => {
    expect(costSoFar(session, NOW)).toBe(720_000)
    expect(costSoFar(session, NOW + 5_000)).toBe(721_000)
    expect(costSoFar({...session, total_cost_micro_usd: 900_000}, NOW)).toBe(900_000)
    expect(costSoFar({...session, status: 'stopped'}, NOW)).toBe(600_000)
  })

  it('show uptime to now, or to the stop', () => {
    expect(uptime(session, NOW)).toBe('1h')
    expect(uptime({...session, stopped_at: '2026-12-01T11:30:00Z'}, NOW)).toBe('30m')
    expect(uptime({...session, started_at: null}, NOW)).toBe('-')
  })

  it('render state, machine, host, uptime, time left and cost', () => {
    expect(toTsv(SESSION_BROWSER_COLUMNS, [session], {now: NOW}).split('\t')).toEqual([
      'sess-1', 'running', '2x RTX 4090', 'vastai', 'root@10.0.0.5:2222', '1h', 'in 1h', '$0.72', 'my-app',
    ])
  })

  it('filter by words over id, state, GPU, provider and consumer', () => {
    expect(sessionMatches(session, 'running 4090')).toBe(true)
    expect(sessionMatches(session, 'MY-APP')).toBe(true)
    expect(sessionMatches(session, 'tensordock')).toBe(false)
  })

  describe('launch detail', () => {
    const serving = {
      ...session,
      status: 'provisioning',
      workload_type: 'llm_vllm',
      launch: {
        image: 'vllm/vllm-openai:v0.8.5',
        on_start: 'vllm serve Qwen/Qwen2.5-0.5B-Instruct --host 0.0.0.0 --port 8000',
        env_keys: ['HF_TOKEN'],
        expose: [8000, 9000],
        model_id: 'Qwen/Qwen2.5-0.5B-Instruct',
        health_path: '/health',
      },
    } satisfies SessionDto

    it('is nothing for an empty box', () => {
      expect(launchDetail(session)).toBeNull()
    })

    it('names the workload and model, image, ports and sealed variables, and waits for /health while provisioning', () => {
      expect(launchDetail(serving)).toEqual({
        runs: 'llm_vllm serving Qwen/Qwen2.5-0.5B-Instruct · image vllm/vllm-openai:v0.8.5 · ports 8000, 9000 · env HF_TOKEN (sealed)',
        api: {endpoint: 'waiting for /health', published: false, forward: 'gpu-shopper connect sess-1 --forward api -N'},
      })
    })

    it('shows the public endpoint once the provider publishes it', () => {
      expect(launchDetail({...serving, status: 'running', api_endpoint: 'http://203.0.113.7:41234'})?.api).toEqual({
        endpoint: 'http://203.0.113.7:41234',
        published: true,
        forward: 'gpu-shopper connect sess-1 --forward api -N',
      })
    })

    it("quotes a box's own command, and has no API without a published port or once ended", () => {
      const box = {...session, launch: {image: null, on_start: 'python3 train.py', env_keys: [], expose: [], model_id: null, health_path: null}} satisfies SessionDto
      expect(launchDetail(box)).toEqual({runs: 'ssh · runs `python3 train.py`', api: null})
      expect(launchDetail({...serving, status: 'stopped', api_endpoint: 'http://203.0.113.7:41234'})?.api).toBeNull()
      const web = {...box, status: 'provisioning', launch: {...box.launch, expose: [8000]}} satisfies SessionDto
      expect(launchDetail(web)?.api?.endpoint).toBe('waiting for port 8000 to be published')
    })
  })
})
