import {spawn} from 'node:child_process'
import {readdir, readFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {REPO_ROOT} from '../support/cli.js'
import {simControl} from '../../src/sim/control/control-client.js'
import {pollUntil} from '../support/poll.js'
import {simulatedDaemonCli} from '../support/simulated-daemon-cli.js'

const MODEL = 'Qwen/Qwen2.5-0.5B-Instruct'
const TOKEN = 'hf_e2e_do_not_show_7c1d'

/** A loopback port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Every file under `dir`, as bytes read as latin1, so a secret is found whatever the encoding around it. */
async function everyFileText(dir: string): Promise<string> {
  const entries = await readdir(dir, {recursive: true, withFileTypes: true})
  const texts = await Promise.all(entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name)).then((b) => b.toString('latin1'), () => '')))
  return texts.join('\n')
}

/**
 * From the inventory to a model server answering on its api_endpoint in one command, through
 * the real binary against `daemon start --simulate`: the simulated instance runs a stand-in for
 * the server on the published port, and the session is running only once its /health answers.
 */
describe('workloads through the CLI binary', () => {
  const simulated = simulatedDaemonCli()
  const {cli, data, seen} = simulated
  const rented = new Set<string>()
  /** The cheapest offer no earlier test rented (a Vast.ai offer is one machine: rented once). */
  const cheapest = async (provider: string) => {
    const offers = (await data('inventory', '--provider', provider, '--sort', 'price', '--limit', '20')).offers as {id: string}[]
    const offer = offers.find((o) => !rented.has(o.id))!.id
    rented.add(offer)
    return offer
  }

  it('serves a model on Vast.ai: running once /health answers at its api_endpoint, offered on localhost by connect --forward api, its token never shown', async () => {
    const offer = await cheapest('vastai')
    const provisioned = await cli(
      ['provision', '--offer-id', offer, '--workload-type', 'llm_vllm', '--model-id', MODEL, '--env', 'HF_TOKEN', '--hours', '1', '--wait', '--timeout', '150'],
      {HF_TOKEN: TOKEN},
    )
    expect(provisioned.exitCode, provisioned.stderr).toBe(0)
    expect(provisioned.stderr).toMatch(new RegExp(`workload started: serving ${MODEL} \\(vllm/vllm-openai:v0\\.8\\.5\\)`))
    expect(provisioned.stderr).toMatch(/running: SSH verified .*; the model server answers \/health at http:\/\/127\.0\.0\.1:\d+/)
    const id = /(sess-[0-9a-f]+)/.exec(provisioned.stderr)![1]!

    const session = await data('sessions', 'get', id)
    expect(session).toMatchObject({
      status: 'running',
      workload_type: 'llm_vllm',
      launch: {image: 'vllm/vllm-openai:v0.8.5', model_id: MODEL, env_keys: ['HF_TOKEN'], expose: [8000], health_path: '/health'},
      api_endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    })
    // The public endpoint is the server itself.
    const models = (await (await fetch(`${session.api_endpoint}/v1/models`)).json()) as {data: {id: string}[]}
    expect(models.data.map((m) => m.id)).toEqual([MODEL])
    const shown = await cli(['sessions', 'get', id])
    expect(shown.stdout).toMatch(new RegExp(`API endpoint\\s+${session.api_endpoint}`))

    // On this machine through SSH, until interrupted.
    const local = await freePort()
    const forward = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'connect', id, '--forward', `api:${local}`, '-N'], {env: simulated.home().env, stdio: ['ignore', 'pipe', 'pipe']})
    let forwardErr = ''
    forward.stderr.setEncoding('utf8').on('data', (c: string) => (forwardErr += c))
    try {
      const health = await pollUntil(
        async () => {
          const res = await fetch(`http://127.0.0.1:${local}/health`).catch(() => null)
          return res?.status === 200 ? res.status : undefined
        },
        `the forwarded /health (${forwardErr})`,
        30_000,
        100,
      )
      expect(health).toBe(200)
      expect(forwardErr).toContain(`is on http://127.0.0.1:${local} while this runs`)
    } finally {
      forward.kill('SIGINT')
    }

    const done = await cli(['done', id, '--wait'])
    expect(done.exitCode, done.stderr).toBe(0)
    await pollUntil(async () => ((await fetch(`${session.api_endpoint}/health`).catch(() => null)) === null ? true : undefined), 'the server gone with its instance', 30_000, 100)

    // The token went to the instance and nowhere else: no output, log or database file holds it.
    expect(seen.join('\n')).not.toContain(TOKEN)
    expect(await everyFileText(simulated.home().home)).not.toContain(TOKEN)
  })

  it('runs an on-start command on TensorDock with a published port, its output in the workload log; diagnosed healthy, then out of memory', async () => {
    const offer = await cheapest('tensordock')
    const provisioned = await cli(['provision', '--offer-id', offer, '--image', 'debian12', '--on-start', 'echo "hello from on-start"', '--expose', '8000', '--hours', '1', '--wait', '--timeout', '150'])
    expect(provisioned.exitCode, provisioned.stderr).toBe(0)
    const id = /(sess-[0-9a-f]+)/.exec(provisioned.stderr)![1]!
    const session = await data('sessions', 'get', id)
    expect(session).toMatchObject({status: 'running', launch: {image: 'debian12', on_start: 'echo "hello from on-start"', expose: [8000], health_path: null}})
    expect(session.api_endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const log = await cli(['connect', id, '--', 'cat', '.gpu-shopper/workload.log'])
    expect(log.exitCode, log.stderr).toBe(0)
    expect(log.stdout).toBe('hello from on-start\n')

    // Diagnosed: healthy, then after the kernel killed a process for want of memory (a VM: its kernel log says so)
    const healthy = await data('sessions', 'diagnose', id)
    expect(healthy).toMatchObject({provider: {name: 'tensordock', state: 'running'}, ssh: {reachable: true}, oom_kernel_lines: [], problems: []})
    expect(healthy.workload.log_tail).toEqual(['hello from on-start'])
    const tensordock = ((await data('daemon', 'status')).providers as {name: string; base_url: string}[]).find((p) => p.name === 'tensordock')!
    await simControl(tensordock.base_url, 'POST', '/_sim/oom', {instance_id: session.provider_instance_id, process: 'python3'})
    const shown = await cli(['sessions', 'diagnose', id])
    expect(shown.exitCode, shown.stderr).toBe(0)
    expect(shown.stdout).toMatch(/OOM kills\s+1: \[\s*[\d.]+\] Out of memory: Killed process \d+ \(python3\)/)
    expect(shown.stdout).toMatch(/Problems\s+out of memory: 1 process\(es\) killed by the kernel/)
    expect((await cli(['done', id, '--wait'])).exitCode).toBe(0)
  })

  it('keeps a preserved disk: done stops it, billing storage only; resume runs it again; sessions destroy ends it, disk and all', async () => {
    const offer = await cheapest('vastai')
    const provisioned = await cli(['provision', '--offer-id', offer, '--storage-policy', 'preserve', '--on-start', 'echo boot >> boots.log', '--hours', '1', '--wait', '--timeout', '150'])
    expect(provisioned.exitCode, provisioned.stderr).toBe(0)
    const id = /(sess-[0-9a-f]+)/.exec(provisioned.stderr)![1]!

    const done = await cli(['done', id, '--wait', '--timeout', '60'])
    expect(done.exitCode, done.stderr).toBe(0)
    expect(done.stdout).toMatch(/preserved \(instance stopped, disk kept and billing storage\)/)
    expect(done.stderr).toContain(`gpu-shopper sessions resume ${id} --wait`)
    expect((await data('sessions', 'get', id)).status).toBe('preserved')
    const stoppedCost = (await data('costs', '--session-id', id)).total_cost_micro_usd as number
    // Storage bills on while it is kept
    await pollUntil(async () => (((await data('costs', '--session-id', id)).total_cost_micro_usd as number) > stoppedCost ? true : undefined), 'storage billing on', 30_000, 500)

    const resumed = await cli(['sessions', 'resume', id, '--wait', '--timeout', '150'])
    expect(resumed.exitCode, resumed.stderr).toBe(0)
    expect(resumed.stderr).toMatch(/workload started/)
    const boots = await cli(['connect', id, '--', 'cat', 'boots.log'])
    expect(boots.stdout).toBe('boot\nboot\n')

    const destroyed = await cli(['sessions', 'destroy', id])
    expect(destroyed.exitCode, destroyed.stderr).toBe(0)
    const stopped = await cli(['sessions', 'get', id, '--watch', '--timeout', '60'])
    expect(stopped.exitCode, stopped.stderr).toBe(0)
    expect((await data('sessions', 'get', id)).status).toBe('stopped')
  })

  it('refuses what cannot run before anything is rented, naming the flag and the fix', async () => {
    const before = (await data('sessions')).total
    const vast = await cheapest('vastai')
    const td = await cheapest('tensordock')
    const cases: Array<[string[], RegExp]> = [
      [['--offer-id', td, '--workload-type', 'llm_vllm', '--model-id', MODEL], /--workload-type: a model server runs from its container image, and tensordock rents VMs from OS images, not containers; pick a vastai offer/],
      [['--offer-id', vast, '--workload-type', 'llm_tgi'], /--model-id: is required with workload type llm_tgi/],
      [['--offer-id', vast, '--image', 'Not An Image', '--on-start', 'x'], /--image: "Not An Image" is not an image reference/],
      [['--offer-id', td, '--image', 'vllm/vllm-openai:v0.8.5'], /--image: "vllm\/vllm-openai:v0\.8\.5" is not one of tensordock's OS images/],
      [['--offer-id', vast, '--on-start', 'x', '--expose', '22'], /--expose: 22 is SSH/],
      [['--offer-id', vast, '--env', 'NOT_SET_ANYWHERE_9'], /--env NOT_SET_ANYWHERE_9 is not set in your environment/],
      [['--offer-id', td, '--storage-policy', 'preserve'], /--storage-policy: preserve keeps a stopped instance's disk, billing storage only; gpu-shopper can do that at vastai, not at tensordock yet/],
    ]
    for (const [args, message] of cases) {
      const refused = await cli(['provision', ...args, '--hours', '1'])
      expect(refused.exitCode, args.join(' ')).not.toBe(0)
      expect(refused.stderr).toMatch(message)
      expect(refused.stderr).toMatch(/No instance was created/)
      expect(refused.stderr).not.toMatch(/\n\s+at /)
    }
    expect((await data('sessions')).total).toBe(before)
  })
})
