import {describe, expect, it} from 'vitest'

import type {SessionDto} from '../../core/api/sessions.js'
import {sessionDetails} from './columns/sessions.js'

const NOW = Date.parse('2026-01-15T12:00:00Z')

const running: SessionDto = {
  id: 'sess-1', consumer_id: 'my-app', provider: 'vastai', provider_instance_id: 'i-9', offer_id: 'vastai-1001', gpu_type: 'RTX 4090', gpu_count: 1,
  status: 'running', ssh_host: '10.0.0.5', ssh_port: 2222, ssh_user: 'root', ssh_host_key_fingerprint: 'SHA256:abc', ssh_host_public_key: null, ssh_jump: null, ssh_key_ids: [],
  workload_type: 'llm',
  launch: null,
  api_endpoint: null,
  reservation_hours: 4, price_per_hour: 0.35, price_per_hour_micro_usd: 350_000, disk_gb: 50, storage_policy: 'destroy', idle_threshold_minutes: 0,
  hard_max_override: false, created_at: '2026-01-15T11:00:00Z', started_at: '2026-01-15T11:00:00Z', expires_at: '2026-01-15T15:00:00Z',
  stopped_at: null, failure_reason: null, total_cost: 0.35, total_cost_micro_usd: 350_000, simulated: true,
  auto_retry: null, retry_of: null, retried_as: null, retry_attempt: 0, host_id: null, template_hash_id: null,
}
const row = (rows: Array<[string, string]>, label: string) => rows.find(([l]) => l === label)?.[1]

describe('the single-session view', () => {
  it("shows a live session's address and its expiry with the hours reserved now", () => {
    const rows = sessionDetails(running, {now: NOW})
    expect(row(rows, 'SSH')).toBe('root@10.0.0.5:2222')
    expect(row(rows, 'Expires')).toMatch(/\(in 3h( 0m)?, 4 h reserved\)$/)
    expect(row(rows, 'Ended')).toBeUndefined()
  })

  it('shows when an ended session ended, with no expiry ahead and no address', () => {
    const stopped = {...running, status: 'stopped' as const, stopped_at: '2026-01-15T11:45:00Z'}
    const rows = sessionDetails(stopped, {now: NOW})
    expect(row(rows, 'Expires')).toBeUndefined()
    expect(row(rows, 'Ended')).toMatch(/^\d\d:\d\d \(4 h were reserved\)$/)
    expect(row(rows, 'SSH')).toBe('-')
    expect(rows.flat().join(' ')).not.toContain('10.0.0.5')

    const failed = sessionDetails({...running, status: 'failed', failure_reason: 'stale_inventory', stopped_at: null}, {now: NOW})
    expect(row(failed, 'Expires')).toBeUndefined()
    expect(row(failed, 'SSH')).toBe('-')
    expect(row(failed, 'Failure')).toBe('stale_inventory')
  })
})
