import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {REPO_ROOT, runCli} from '../support/cli.js'
import {pollUntil} from '../support/poll.js'
import {createTempHome, type TempHome} from '../support/temp-home.js'

/**
 * The four seed workflows through the real binary: `gpu-shopper sim start` in one process, the
 * daemon on port 0 in a temp GPU_SHOPPER_HOME pointed at it, and the CLI as a subprocess.
 */
describe('seed workflows through the CLI binary', () => {
  let home: TempHome
  let sim: ChildProcess
  let env: NodeJS.ProcessEnv
  const cli = (...args: string[]) => runCli(args, {env, timeoutMs: 90_000})
  const data = async <T = any>(...args: string[]) => {
    const result = await cli(...args, '--json')
    const envelope = result.json<T>()
    if (!envelope.ok || result.exitCode !== 0) throw new Error(`gpu-shopper ${args.join(' ')} failed (${result.exitCode}): ${result.stdout}${result.stderr}`)
    return envelope.data
  }

  beforeAll(async () => {
    home = await createTempHome()
    sim = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'sim', 'start', '--port', '0', '--json'], {env: home.env, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    sim.stdout!.on('data', (d) => (out += d))
    const urls = await pollUntil(() => {
      // The --json envelope may span several lines: wait until stdout holds a whole document.
      const parsed = JSON.parse(out)
      return parsed.data ?? parsed
    }, 'sim start to print its URLs', 30_000)
    expect(urls.vastai_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    env = {...home.env, VASTAI_API_URL: urls.vastai_url, VASTAI_API_KEY: 'e2e-key'}
    const started = await cli('daemon', 'start', '--port', '0', '--json')
    expect(started.exitCode).toBe(0)
  })

  afterAll(async () => {
    if (env) await cli('daemon', 'stop')
    sim?.kill('SIGTERM')
    await home?.cleanup()
  })

  it('reports the daemon and its deployment', async () => {
    const status = await data('daemon', 'status')
    expect(status).toMatchObject({running: true, simulated: false})
    expect(status.deployment_id).toMatch(/^dep-/)
  })

  it('runs the daemon with its memory settings: large blocks mapped apart, a smaller young generation', async () => {
    const {pid} = JSON.parse(readFileSync(home.stateFile, 'utf8')) as {pid: number}
    const environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
    expect(environment).toContain('MALLOC_MMAP_THRESHOLD_=65536')
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--max-semi-space-size=8')
  })

  it('workflow 1: browses the inventory with every filter', async () => {
    const offers = (await data('inventory', '--gpu-type', 'RTX 4090', '--max-price', '0.50', '--provider', 'vastai', '--min-vram', '20', '--min-gpu-count', '1', '--min-reliability', '0.9', '--location', 'US', '--sort', 'price', '--limit', '20')).offers
    expect(offers.length).toBeGreaterThan(0)
    for (const o of offers) {
      expect(o).toMatchObject({gpu_type: 'RTX 4090', provider: 'vastai', country_code: 'US'})
      expect(o.price_per_hour).toBeLessThanOrEqual(0.5)
      expect(o.reliability).toBeGreaterThanOrEqual(0.9)
    }
    const piped = await cli('inventory', '--gpu-type', 'RTX 4090', '--limit', '3')
    expect(piped.exitCode).toBe(0)
    expect(piped.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(3)
    expect(piped.stdout).toContain('RTX 4090')
  })

  it('workflows 2-4: provisions, manages, releases and costs a session', async () => {
    const [offer] = (await data('inventory', '--gpu-type', 'RTX 4090', '--sort', 'price', '--limit', '1')).offers
    const created = await data('provision', '--offer-id', offer.id, '--consumer-id', 'my-app', '--workload-type', 'llm', '--hours', '2', '--wait', '--timeout', '60')
    const session = created.session ?? created
    expect(session.status).toBe('running')
    expect(session.ssh_user).toBe('root')
    expect(JSON.stringify(created)).not.toContain('PRIVATE KEY')

    const listed = await data('sessions', '--consumer-id', 'my-app')
    expect(listed.sessions.map((s: any) => s.id)).toContain(session.id)
    const shown = await data('sessions', 'get', session.id)
    expect(shown).toMatchObject({id: session.id, status: 'running'})
    const byFlag = await data('sessions', '--id', session.id)
    expect(byFlag.id ?? byFlag.session?.id).toBe(session.id)

    const extended = await data('extend', session.id, '--hours', '1')
    expect(extended.session_id).toBe(session.id)
    expect(Date.parse(extended.new_expires_at)).toBe(Date.parse(shown.expires_at) + 3_600_000)

    const keyFile = join(home.home, 'data', 'keys', session.id)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const done = await data('done', session.id)
    expect(done.session_id).toBe(session.id)
    await pollUntil(async () => ((await data('sessions', 'get', session.id)).status === 'stopped' ? true : undefined), 'session stopped')
    expect(existsSync(keyFile)).toBe(false) // the session's private key does not outlive it

    const cost = await data('costs', '--session-id', session.id)
    expect(cost).toMatchObject({session_id: session.id, currency: 'USD'})
    expect(cost.total_cost_micro_usd).toBeGreaterThan(0)
    const consumer = await data('costs', '--consumer-id', 'my-app')
    expect(consumer.total_cost_micro_usd).toBe(cost.total_cost_micro_usd)
    expect(consumer.by_gpu_type['RTX 4090']).toBe(cost.total_cost)
    const summary = await data('costs', 'summary')
    expect(summary.total_cost_micro_usd).toBeGreaterThanOrEqual(cost.total_cost_micro_usd)
  })

  it('answers bad input with a clear error, a non-zero exit, and changes nothing', async () => {
    const before = (await data('sessions')).total
    const [offer] = (await data('inventory', '--limit', '1')).offers

    const unknown = await cli('provision', '--offer-id', 'vastai-424242424242', '--consumer-id', 'x', '--workload-type', 'llm', '--hours', '1')
    expect(unknown.exitCode).not.toBe(0)
    expect(unknown.stderr).toMatch(/vastai-424242424242/)
    expect(unknown.stderr).toMatch(/no instance was created/i)
    expect(unknown.stderr).not.toMatch(/\n\s+at /)

    for (const hours of ['0', '13']) {
      const res = await cli('provision', '--offer-id', offer.id, '--consumer-id', 'x', '--workload-type', 'llm', '--hours', hours)
      expect(res.exitCode).not.toBe(0)
      expect(res.stderr).toMatch(/--hours/)
    }
    const jsonErr = await cli('provision', '--offer-id', offer.id, '--consumer-id', 'x', '--workload-type', 'llm', '--hours', '13', '--json')
    expect(jsonErr.json().ok).toBe(false)
    expect(jsonErr.exitCode).toBe((await cli('provision', '--offer-id', offer.id, '--consumer-id', 'x', '--workload-type', 'llm', '--hours', '13')).exitCode)

    const negative = await cli('inventory', '--max-price', '-1')
    expect(negative.exitCode).not.toBe(0)
    expect(negative.stderr).toMatch(/--max-price/)

    const state = await data('daemon', 'status')
    const wrongToken = await runCli(['sessions', '--json'], {env: {...env, GPU_SHOPPER_SERVER: state.url, GPU_SHOPPER_TOKEN: 'wrong'}})
    expect(wrongToken.exitCode).not.toBe(0)
    expect(wrongToken.json().error?.error_type).toBe('unauthorized')

    expect((await data('sessions')).total).toBe(before)
  })
})
