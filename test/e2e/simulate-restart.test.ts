import {readFile} from 'node:fs/promises'

import {describe, expect, it} from 'vitest'

import {pollUntil} from '../support/poll.js'
import {simulatedDaemonCli} from '../support/simulated-daemon-cli.js'

/**
 * The simulated marketplaces of `daemon start --simulate` live in the daemon's process; their
 * state is kept in its data dir so that restarting the daemon (cleanly or after kill -9) does
 * not turn running sessions into ghosts: same instance, same machine, same host key.
 */
describe('a --simulate daemon restarted mid-session', () => {
  const {home, ok, data} = simulatedDaemonCli()

  it('keeps the session running on the same machine, connect still works, and new instances get new ids', async () => {
    // Given a running session on a simulated Vast.ai instance, with a file on its disk
    const offers = (await data('inventory', '--provider', 'vastai', '--gpu-type', 'RTX 4090', '--sort', 'price', '--limit', '2')).offers
    const first = (await data('provision', '--offer-id', offers[0].id, '--wait', '--timeout', '60')).session
    expect(first.status).toBe('running')
    await ok('connect', first.id, '--', 'echo "step 1" > /workspace/progress.txt')

    // When the daemon stops and starts again
    await ok('daemon', 'stop')
    await ok('daemon', 'start', '--simulate', '--port', '0')
    await ok('reconcile')

    // Then the session is still running on the same instance, and connect reaches the same machine (pinned host key)
    const after = await data('sessions', 'get', first.id)
    expect(after).toMatchObject({status: 'running', provider_instance_id: first.provider_instance_id, ssh_port: first.ssh_port, ssh_host_key_fingerprint: first.ssh_host_key_fingerprint})
    expect((await ok('connect', first.id, '--', 'echo "step 2" >> /workspace/progress.txt && cat /workspace/progress.txt')).stdout).toBe('step 1\nstep 2\n')

    // When the daemon is killed outright and started again
    const {pid} = JSON.parse(await readFile(home().stateFile, 'utf8')) as {pid: number}
    process.kill(pid, 'SIGKILL')
    await pollUntil(async () => (isAlive(pid) ? undefined : true), 'the daemon died', 10_000, 50)
    await ok('daemon', 'start', '--simulate', '--port', '0')
    await ok('reconcile')

    // Then the session survived that too, with everything the machine had
    expect((await data('sessions', 'get', first.id)).status).toBe('running')
    expect((await ok('connect', first.id, '--', 'cat /workspace/progress.txt')).stdout).toBe('step 1\nstep 2\n')

    // And a new instance gets an id the simulator never handed out before
    const second = (await data('provision', '--offer-id', offers[1].id, '--wait', '--timeout', '60')).session
    expect(second.status).toBe('running')
    expect(Number(second.provider_instance_id)).toBeGreaterThan(Number(first.provider_instance_id))
    expect(second.ssh_host_key_fingerprint).not.toBe(first.ssh_host_key_fingerprint)
  }, 240_000)
})

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
