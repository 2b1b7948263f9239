import {describe, expect, it} from 'vitest'

import type {AllocationDto} from '../../../core/api/allocations.js'
import {toTsv} from './column.js'
import {ALLOCATION_COLUMNS, allocationDetails, connectionTarget} from './allocations.js'

const NOW = Date.parse('2026-01-15T12:00:00Z')

const allocation: AllocationDto = {
  id: 'sess-1', sku: 'rtx-4090', gpu_type: 'RTX 4090', gpus_total: 2, region_code: 'US', status: 'active', failure_reason: null,
  consumer_id: 'my-app', provider: 'vastai', offer_id: 'vastai-1001', offer_attempts: 1, hourly_price_minor: 70, price_per_hour: 0.7,
  price_per_hour_micro_usd: 700_000, created_at: '2026-01-15T11:00:00Z', expires_at: '2026-01-15T13:30:00Z',
  connection: {private_ip: null, ssh_host: '10.0.0.5', ssh_port: 2222, ssh_user: 'root', via: null}, api_endpoint: null, retried_as: null, simulated: true,
}

describe('allocation columns', () => {
  it('render an active allocation with its connection and time left', () => {
    const cells = toTsv(ALLOCATION_COLUMNS, [allocation], {now: NOW}).split('\t')
    expect(cells.slice(0, 9)).toEqual(['sess-1', 'active', 'rtx-4090', '2x RTX 4090', 'US', 'vastai', 'my-app', '$0.70/h', 'root@10.0.0.5:2222'])
    expect(cells[9]).toMatch(/\(in 1h 30m\)$/)
  })

  it('leave out the address, region and expiry where there is none', () => {
    const released = {...allocation, status: 'released' as const, connection: null, region_code: null, gpus_total: 1}
    const cells = toTsv(ALLOCATION_COLUMNS, [released], {now: NOW}).split('\t')
    expect(cells[3]).toBe('RTX 4090')
    expect(cells[4]).toBe('-')
    expect(cells[8]).toBe('-')
    expect(cells[9]).toBe('-')
    expect(connectionTarget(released)).toBe('-')
  })

  it('list the failure reason and the offer fail-overs in the detail view', () => {
    const rows = allocationDetails({...allocation, status: 'failed', failure_reason: 'stale_inventory', offer_attempts: 3, connection: null}, {now: NOW})
    expect(rows).toContainEqual(['Failure', 'stale_inventory'])
    expect(rows).toContainEqual(['Provider', 'vastai (offer vastai-1001, after 3 attempts)'])
    expect(rows).toContainEqual(['Status', 'failed'])
    expect(allocationDetails(allocation, {now: NOW}).map(([label]) => label)).not.toContain('Failure')
  })
})
