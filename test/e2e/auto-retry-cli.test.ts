import {describe, expect, it} from 'vitest'

import {simControl} from '../../src/sim/control/control-client.js'
import {pollUntil} from '../support/poll.js'
import {simulatedDaemonCli} from '../support/simulated-daemon-cli.js'

/**
 * Auto-retry and offer health through the real binary against `daemon start --simulate`: the
 * simulated Vast.ai machine behind the cheapest offer takes no SSH key, as a bad host does live.
 */
describe('auto-retry and offer health through the CLI binary', () => {
  const {cli, data} = simulatedDaemonCli()

  it('moves past a host that never lets us in, to a running session on a comparable offer that connects with the same key; the host is remembered', async () => {
    const offers = (await data('inventory', '--provider', 'vastai', '--gpu-type', 'RTX 4090', '--min-gpu-count', '1', '--sort', 'price', '--limit', '5')).offers as {
      id: string
      gpu_count: number
      host_id: string
      availability_confidence: number
    }[]
    const bad = offers.find((o) => o.gpu_count === 1)!
    expect(bad.host_id).toMatch(/^vastai:\d+$/)
    expect(bad.availability_confidence).toBe(0.9)
    const vast = ((await data('daemon', 'status')).providers as {name: string; base_url: string}[]).find((p) => p.name === 'vastai')!
    await simControl(vast.base_url, 'POST', '/_sim/config', {broken_machines: {[bad.host_id.slice('vastai:'.length)]: 'no_ssh'}})

    const provisioned = await cli(['provision', '--offer-id', bad.id, '--auto-retry', '--max-retries', '2', '--ssh-timeout', '30', '--hours', '1', '--wait', '--timeout', '170'])
    expect(provisioned.exitCode, provisioned.stderr).toBe(0)
    const [, firstId, nextId] = /Session (sess-[0-9a-f]+) failed on its host; auto-retry goes on as (sess-[0-9a-f]+)\./.exec(provisioned.stderr)!
    expect(provisioned.stdout).toContain(nextId!)

    const first = await data('sessions', 'get', firstId!)
    expect(first).toMatchObject({status: 'failed', retried_as: nextId, retry_attempt: 0, host_id: bad.host_id, auto_retry: {max_retries: 2, retry_scope: 'same-gpu-type', ssh_timeout_seconds: 30}})
    expect(first.failure_reason).toMatch(/^the host did not let us in over SSH within 30 s; auto-retry: /)
    const next = await data('sessions', 'get', nextId!)
    expect(next).toMatchObject({status: 'running', retry_of: firstId, retry_attempt: 1, gpu_type: 'RTX 4090'})
    expect(next.host_id).not.toBe(bad.host_id)

    // The try that took its place logs in with the key this machine made for the first
    const ran = await cli(['connect', nextId!, '--', 'echo', 'retried'])
    expect(ran.exitCode, ran.stderr).toBe(0)
    expect(ran.stdout).toBe('retried\n')

    // The failed host is remembered: a failure, and no longer trusted as an untried one
    const health = await data('inventory', 'health', '--host-id', bad.host_id)
    expect(health.hosts).toEqual([expect.objectContaining({host_id: bad.host_id, attempts: 1, failures: 1, consecutive_failures: 1, last_failure: expect.objectContaining({kind: 'ssh_timeout'})})])
    expect(health.hosts[0].availability_confidence).toBeLessThan(0.9)
    const table = await cli(['inventory', 'health'])
    expect(table.stdout).toContain(bad.host_id)
    expect(table.stdout).toMatch(/ssh_timeout, /)

    // The failed host's instance is destroyed and verified gone; the running one is released
    await pollUntil(async () => ((await data('sessions', 'get', firstId!)).stopped_at !== null ? true : undefined), 'the failed try destroyed', 60_000, 250)
    const instances = (await simControl<{instances: {id: number; sim: {destroyed_at: number | null}}[]}>(vast.base_url, 'GET', '/_sim/instances')).instances
    expect(instances.find((i) => String(i.id) === first.provider_instance_id)?.sim.destroyed_at).toEqual(expect.any(Number))
    expect(instances.find((i) => String(i.id) === next.provider_instance_id)?.sim.destroyed_at).toBeNull()
    expect((await cli(['done', nextId!, '--wait'])).exitCode).toBe(0)
  })

  it('refuses retry flags without --auto-retry, naming the flag, before anything is rented', async () => {
    const before = (await data('sessions')).total
    const offer = ((await data('inventory', '--provider', 'vastai', '--limit', '1')).offers as {id: string}[])[0]!.id
    for (const [flag, value] of [
      ['--max-retries', '3'],
      ['--retry-scope', 'any'],
    ] as const) {
      const refused = await cli(['provision', '--offer-id', offer, flag, value])
      expect(refused.exitCode).toBe(2)
      expect(refused.stderr).toContain(`${flag} only goes with --auto-retry`)
      expect(refused.stderr).not.toMatch(/\n\s+at /)
    }
    const tooShort = await cli(['provision', '--offer-id', offer, '--auto-retry', '--ssh-timeout', '5'])
    expect(tooShort.exitCode).toBe(2)
    expect(tooShort.stderr).toContain('--ssh-timeout must be between 30 and 10800 (got 5)')
    expect((await data('sessions')).total).toBe(before)
  })
})
