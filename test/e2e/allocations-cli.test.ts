import {describe, expect, it} from 'vitest'

import {pollUntil} from '../support/poll.js'
import {simulatedDaemonCli} from '../support/simulated-daemon-cli.js'

/**
 * The quick start's flow (catalog → create → watch → release) and provisioning by spec through
 * the real binary, against `daemon start --simulate` on port 0 in a temp GPU_SHOPPER_HOME.
 */
describe('quick start flow through the CLI binary', () => {
  const {cli, data} = simulatedDaemonCli()
  /** `--output json`: stdout is the object itself, as `jq -r .id` reads it. */
  const bare = async <T = any>(...args: string[]) => {
    const result = await cli([...args, '--output', 'json'])
    if (result.exitCode !== 0) throw new Error(`gpu-shopper ${args.join(' ')} --output json failed (${result.exitCode}): ${result.stdout}${result.stderr}`)
    return JSON.parse(result.stdout) as T
  }

  it('lists SKUs as slugs with prices, regions and providers', async () => {
    const catalog = await data('catalog', 'list')
    expect(catalog.items.length).toBeGreaterThan(0)
    for (const item of catalog.items) expect(item.sku).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    const rtx = catalog.items.find((i: any) => i.sku === 'rtx-4090' && i.gpus_total === 1)
    expect(rtx).toMatchObject({gpu_type: 'RTX 4090'})
    expect(rtx.hourly_price_minor).toBeGreaterThanOrEqual(0)
    expect(rtx.regions).toContain('US')

    const piped = await cli(['catalog', 'list', '--gpu-type', 'RTX 4090'])
    expect(piped.exitCode).toBe(0)
    expect(piped.stdout.split('\n')[0]?.split('\t')[0]).toBe('rtx-4090')
  })

  it('creates, watches until active, and releases an allocation', async () => {
    // Given the quick start's create, run twice with one idempotency key
    const args = ['allocations', 'create', '--sku', 'rtx-4090', '--gpus', '1', '--region', 'US', '--idempotency-key', 'qs-001']
    const first = await cli([...args, '--output', 'json'])
    expect(first.exitCode, first.stderr).toBe(0)
    const allocation = JSON.parse(first.stdout)
    const again = await bare(...args)

    // Then stdout is the bare allocation (jq -r .id works) and the repeat is the same allocation
    expect(allocation.ok).toBeUndefined()
    expect(allocation).toMatchObject({sku: 'rtx-4090', gpus_total: 1, region_code: 'US'})
    expect(allocation.id).toMatch(/\S/)
    expect(['requested', 'provisioning', 'active']).toContain(allocation.status)
    expect(again.id).toBe(allocation.id)
    expect(first.stdout).not.toContain('PRIVATE KEY')

    // When it is watched, the watch ends once it is active, narrating in the allocation words
    const watched = await cli(['allocations', 'get', allocation.id, '--watch', '--timeout', '60'])
    expect(watched.exitCode, watched.stderr).toBe(0)
    expect(watched.stderr).toMatch(/active/)
    expect(watched.stderr).not.toMatch(/→ running/)
    expect(watched.stdout).toMatch(/Status\s+active/)
    const active = await bare('allocations', 'get', allocation.id)
    expect(active.status).toBe('active')
    expect(active.connection).toMatchObject({ssh_user: expect.any(String), ssh_port: expect.any(Number)})
    expect((await data('allocations', 'list', '--status', 'active')).allocations.map((a: any) => a.id)).toContain(allocation.id)

    // When it is released, it is releasing and then released
    const released = await data('allocations', 'release', allocation.id)
    expect(['releasing', 'released']).toContain(released.status)
    await pollUntil(async () => ((await bare('allocations', 'get', allocation.id)).status === 'released' ? true : undefined), 'allocation released', 30_000, 200)
  })

  it('provisions by spec and follows it like an offer id', async () => {
    const created = await data('provision', '--gpu-type', 'RTX 4090', '--gpus', '1', '--max-price', '2', '--region', 'US', '--wait', '--timeout', '60')
    expect(created.session).toMatchObject({status: 'running', gpu_type: 'RTX 4090', gpu_count: 1})
    expect(created.session.price_per_hour).toBeLessThanOrEqual(2)
    expect(created.ssh_command).toMatch(/^ssh -i /)
    expect(JSON.stringify(created)).not.toContain('PRIVATE KEY')
    await data('done', created.session.id)

    const both = await cli(['provision', '--offer-id', 'vastai-1', '--gpu-type', 'RTX 4090'])
    expect(both.exitCode).toBe(2)
    expect(both.stderr).toMatch(/--offer-id and --gpu-type cannot be combined/)
  })

  it('shows the price history of a GPU model per provider', async () => {
    const history = await data('inventory', 'history', '--gpu-type', 'RTX 4090')
    expect(history.points.length).toBeGreaterThan(0)
    for (const p of history.points) {
      expect(p.gpu_type).toBe('RTX 4090')
      expect(p.median_price_per_gpu_hour).toBeGreaterThanOrEqual(p.min_price_per_gpu_hour)
    }
  })

  it('sorts the inventory per GPU with the hyphenated value', async () => {
    const {offers} = await data('inventory', '--sort', 'price-per-gpu', '--limit', '20')
    const perGpu = offers.map((o: any) => o.price_per_gpu_hour)
    expect(perGpu).toEqual([...perGpu].sort((a, b) => a - b))
  })

  it('refuses an impossible spec with sku_unavailable and creates nothing', async () => {
    const before = (await data('allocations', 'list')).total
    const json = await cli(['allocations', 'create', '--sku', 'h200', '--gpus', '3', '--json'])
    expect(json.exitCode).not.toBe(0)
    expect(json.json().error).toMatchObject({error_type: 'sku_unavailable'})

    // Under --output json, stdout stays empty so `$(… | jq -r .id)` is empty, not "null"
    const piped = await cli(['allocations', 'create', '--sku', 'h200', '--gpus', '3', '--output', 'json'])
    expect(piped.exitCode).toBe(json.exitCode)
    expect(piped.stdout).toBe('')
    expect(piped.stderr).toMatch(/^Error: /m)
    expect((await data('allocations', 'list')).total).toBe(before)
  })
})
