import {describe, expect, it} from 'vitest'

import {toTsv} from '../../src/cli/output/columns/column.js'
import type {SessionDto} from '../../src/core/api/sessions.js'
import {SESSION_BROWSER_COLUMNS, costSoFar, sessionMatches, uptime} from './session-rows.js'

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
})
