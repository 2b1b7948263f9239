import {describe, expect, it} from 'vitest'

import type {OfferDto} from '../../core/api/inventory.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {toTsv} from './columns/column.js'
import {costBreakdownRows} from './columns/costs.js'
import {OFFER_COLUMNS} from './columns/offers.js'
import {SESSION_COLUMNS, sessionDetails, sshTarget} from './columns/sessions.js'
import {formatCost, formatDuration, formatPrice} from './format.js'
import {renderTable} from './output.js'

const NOW = Date.parse('2026-01-15T12:00:00Z')

const offer: OfferDto = {
  id: 'vastai-1001', provider: 'vastai', provider_id: '1001', gpu_type: 'H100 SXM', gpu_count: 8, vram_gb: 80,
  price_per_hour: 19.6, price_per_hour_micro_usd: 19_600_000, price_per_gpu_hour: 2.45, location: 'Ohio, US', country_code: 'US',
  reliability: 0.9912, available: true, fetched_at: '2026-01-15T11:57:00Z', cuda_version: 12.4, disk_gb: null, cpu_cores: null, ram_gb: null, inet_down_mbps: null,
  price_includes: {disk_gb: 50, vcpus: null, ram_gb: null}, disk_rate: {usd_per_gb: 0.15, per: 'month', minimum_gb: 1},
  host_id: 'vastai:77', availability_confidence: 0.9, cooling_down_until: null,
}

const session: SessionDto = {
  id: 'sess-1', consumer_id: 'my-app', provider: 'vastai', provider_instance_id: 'i-9', offer_id: 'vastai-1001', gpu_type: 'RTX 4090', gpu_count: 1,
  status: 'running', ssh_host: '10.0.0.5', ssh_port: 2222, ssh_user: 'root', ssh_host_key_fingerprint: 'SHA256:abc', ssh_host_public_key: null, ssh_jump: null, ssh_key_ids: [],
  workload_type: 'llm',
  launch: null,
  api_endpoint: null,
  reservation_hours: 2, price_per_hour: 0.35, price_per_hour_micro_usd: 350_000, disk_gb: 50, storage_policy: 'destroy', idle_threshold_minutes: 0,
  hard_max_override: false, created_at: '2026-01-15T11:00:00Z', started_at: '2026-01-15T11:01:00Z', expires_at: '2026-01-15T13:30:00Z',
  stopped_at: null, failure_reason: null, total_cost: 0.35, total_cost_micro_usd: 350_000, simulated: true,
  auto_retry: null, retry_of: null, retried_as: null, retry_attempt: 0, host_id: null, template_hash_id: null,
}

describe('offer columns', () => {
  it('render an offer as plain cells, per-GPU price from exact micro-USD', () => {
    expect(toTsv(OFFER_COLUMNS, [offer], {now: NOW}).split('\t')).toEqual([
      'vastai-1001', '8x H100 SXM', '80 GB', '$19.60', '$2.45', 'vastai', 'Ohio, US', '99.1%', '12.4', '3m ago', '90%',
    ])
  })

  it('say how likely the offer is to come up, or that its machine is skipped for now', () => {
    expect(toTsv(OFFER_COLUMNS, [{...offer, availability_confidence: 0.6}], {now: NOW}).split('\t').at(-1)).toBe('60%')
    expect(toTsv(OFFER_COLUMNS, [{...offer, availability_confidence: 0.4, cooling_down_until: '2026-01-15T12:30:00Z'}], {now: NOW}).split('\t').at(-1)).toBe('cooling')
  })

  it('show a missing reliability or CUDA version as "-"', () => {
    const cells = toTsv(OFFER_COLUMNS, [{...offer, reliability: null, cuda_version: null}], {now: NOW}).split('\t')
    expect(cells[7]).toBe('-')
    expect(cells[8]).toBe('-')
  })
})

describe('session columns', () => {
  it('render the ssh target, price, cost and time left', () => {
    const cells = toTsv(SESSION_COLUMNS, [session], {now: NOW}).split('\t')
    expect(cells.slice(0, 8)).toEqual(['sess-1', 'running', 'RTX 4090', 'vastai', 'my-app', '$0.35/h', '$0.35', 'root@10.0.0.5:2222'])
    expect(cells[8]).toMatch(/\(in 1h 30m\)$/)
  })

  it('leave out the expiry of a finished session and the address of one without it', () => {
    const stopped = {...session, status: 'stopped' as const, ssh_host: null}
    const cells = toTsv(SESSION_COLUMNS, [stopped], {now: NOW}).split('\t')
    expect(cells[7]).toBe('-')
    expect(cells[8]).toBe('-')
    expect(sshTarget(stopped)).toBe('-')
  })

  it('list the failure reason in the detail view when there is one', () => {
    const rows = sessionDetails({...session, status: 'failed', failure_reason: 'stale_inventory'}, {now: NOW})
    expect(rows).toContainEqual(['Failure', 'stale_inventory'])
    expect(rows).toContainEqual(['Host key', 'SHA256:abc'])
  })

  it('show its template, its auto-retry terms and its place in a chain of tries', () => {
    const failed = {
      ...session,
      status: 'failed' as const,
      template_hash_id: 'a8a44c7363cbca20056020397e3bf072',
      auto_retry: {max_retries: 2, retry_scope: 'same-gpu-type' as const, ssh_timeout_seconds: 300},
      retried_as: 'sess-2',
    }
    const rows = sessionDetails(failed, {now: NOW})
    expect(rows).toContainEqual(['Template', 'vastai-a8a44c7363cbca20056020397e3bf072'])
    expect(rows).toContainEqual(['Auto-retry', 'up to 2 other hosts (same-gpu-type) if this one does not boot or let us in within 300 s'])
    expect(rows).toContainEqual(['Retried as', 'sess-2: its host failed and that session took its place (gpu-shopper sessions get sess-2)'])
    expect(sessionDetails({...session, retry_of: 'sess-1', retry_attempt: 1}, {now: NOW})).toContainEqual(['Retry of', 'sess-1 (try 2; its host failed)'])
    expect(sessionDetails(session, {now: NOW}).map(([label]) => label)).not.toContain('Auto-retry')
  })
})

describe('cost rows', () => {
  it('flatten the breakdowns, largest first in each dimension', () => {
    const rows = costBreakdownRows({
      by_provider_micro_usd: {tensordock: 15_670_000, vastai: 30_000_000},
      by_gpu_type_micro_usd: {A100: 20_670_000},
      by_consumer_micro_usd: {demo: 1_350_000},
    })
    expect(rows.map((r) => [r.dimension, r.key, formatCost(r.total_cost_micro_usd)])).toEqual([
      ['provider', 'vastai', '$30.00'],
      ['provider', 'tensordock', '$15.67'],
      ['gpu_type', 'A100', '$20.67'],
      ['consumer', 'demo', '$1.35'],
    ])
  })
})

describe('renderTable', () => {
  it('writes tab-separated lines without a header when not on a terminal', async () => {
    expect(await renderTable(OFFER_COLUMNS.slice(0, 2), [offer, offer], {tty: false, ctx: {now: NOW}})).toBe('vastai-1001\t8x H100 SXM\nvastai-1001\t8x H100 SXM')
  })

  it('draws a table with the headers on a terminal', async () => {
    const text = await renderTable(OFFER_COLUMNS.slice(0, 2), [offer], {tty: true, ctx: {now: NOW}})
    expect(text).toMatch(/ID.*GPU/)
    expect(text).toContain('8x H100 SXM')
  })
})

describe('format', () => {
  it('shows prices with two to four decimals and costs in cents unless under a cent', () => {
    expect(formatPrice(350_000)).toBe('$0.35')
    expect(formatPrice(275_000)).toBe('$0.275')
    expect(formatPrice(12_000_000)).toBe('$12.00')
    expect(formatCost(1_234)).toBe('$0.0012')
    expect(formatCost(0)).toBe('$0.00')
  })

  it('shows durations in their two largest units', () => {
    expect(formatDuration(45_000)).toBe('45s')
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3h 5m')
    expect(formatDuration(50 * 3_600_000)).toBe('2d 2h')
  })
})
