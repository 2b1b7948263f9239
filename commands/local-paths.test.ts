import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Config} from '@oclif/core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {captureOutput} from '../test/support/captured-output.js'
import {REPO_ROOT} from '../test/support/cli.js'
import {pollUntil} from '../test/support/poll.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'
import Copy from './copy.js'
import CostsExport from './costs/export.js'

/**
 * A local path the CLI cannot write or read is the user's mistake: exit 2 naming the flag or
 * argument and the fix, never an internal error. Real commands, in process, against a real
 * daemon over the simulated marketplaces.
 */
describe('local paths of costs export and copy', () => {
  let test: TestDaemon
  let config: Config
  let dir: string
  let sessionId: string
  let identity: string
  const savedToken = process.env.GPU_SHOPPER_TOKEN

  beforeAll(async () => {
    config = await Config.load(REPO_ROOT)
    dir = await mkdtemp(join(tmpdir(), 'gpu-shopper-paths-'))
    test = await startTestDaemon('local-paths')
    process.env.GPU_SHOPPER_TOKEN = test.daemon.token!
    // A running session whose server-generated key we keep, to copy from.
    const auth = {authorization: `Bearer ${test.daemon.token}`}
    const offer = (await test.daemon.app.inject({method: 'GET', url: '/api/v1/inventory?gpu_type=RTX%204090&sort=price&limit=1', headers: auth})).json().offers[0]
    const created = await test.daemon.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: auth,
      payload: {consumer_id: 'paths', offer_id: offer.id, workload_type: 'ssh', reservation_hours: 1},
    })
    sessionId = created.json().session.id
    identity = join(dir, 'id_ed25519')
    await writeFile(identity, created.json().ssh_private_key, {mode: 0o600})
    await pollUntil(async () => {
      const s = (await test.daemon.app.inject({method: 'GET', url: `/api/v1/sessions/${sessionId}`, headers: auth})).json()
      if (s.status === 'failed') throw new Error(s.failure_reason)
      return s.status === 'running' ? s : undefined
    }, 'the session running', 30_000)
  }, 60_000)
  afterAll(async () => {
    if (savedToken === undefined) delete process.env.GPU_SHOPPER_TOKEN
    else process.env.GPU_SHOPPER_TOKEN = savedToken
    await test?.close()
    await rm(dir, {recursive: true, force: true})
  })

  async function run(command: typeof CostsExport | typeof Copy, argv: string[]) {
    const output = captureOutput()
    process.exitCode = undefined
    try {
      await (new command([...argv, '--server', test.daemon.url, '--json'], config) as unknown as {_run(): Promise<unknown>})._run()
    } finally {
      output.restore()
    }
    const exitCode = process.exitCode ?? 0
    process.exitCode = undefined
    return {exitCode, envelope: JSON.parse(output.stdout()) as {ok: boolean; error?: {message: string; error_type: string; fix?: string}}}
  }

  it('costs export --output-file in a directory that does not exist', async () => {
    const {exitCode, envelope} = await run(CostsExport, ['--output-file', '/nonexistent/x.csv'])
    expect(exitCode).toBe(2)
    expect(envelope.error).toMatchObject({error_type: 'usage_error'})
    expect(envelope.error!.message).toContain('--output-file /nonexistent/x.csv')
    expect(envelope.error!.message).toContain('/nonexistent does not exist')
    expect(envelope.error!.fix).toContain('mkdir -p /nonexistent')
  })

  it('costs export --output-file naming a directory', async () => {
    const {exitCode, envelope} = await run(CostsExport, ['--output-file', dir])
    expect(exitCode).toBe(2)
    expect(envelope.error!.message).toContain(`--output-file ${dir}`)
    expect(envelope.error!.message).toContain('is a directory')
  })

  it('copies both ways with paths that exist', async () => {
    const local = join(dir, 'hello.txt')
    await writeFile(local, 'hello\n')
    const up = await run(Copy, [local, `${sessionId}:hello.txt`, '--identity', identity])
    expect(up.envelope.error?.message ?? '').toBe('')
    const down = await run(Copy, [`${sessionId}:hello.txt`, join(dir, 'back.txt'), '--identity', identity])
    expect(down.envelope.error?.message ?? '').toBe('')
    expect(down.exitCode).toBe(0)
  })

  it('copy to a local directory that does not exist', async () => {
    const {exitCode, envelope} = await run(Copy, [`${sessionId}:hello.txt`, '/nonexistent/x', '--identity', identity])
    expect(exitCode).toBe(2)
    expect(envelope.error).toMatchObject({error_type: 'usage_error'})
    expect(envelope.error!.message).toContain('DST /nonexistent/x')
    expect(envelope.error!.message).toContain('/nonexistent does not exist')
    expect(envelope.error!.fix).toContain('mkdir -p /nonexistent')
  })

  it('copy from a local file that does not exist', async () => {
    const {exitCode, envelope} = await run(Copy, ['/nonexistent/x', `${sessionId}:/tmp/x`, '--identity', identity])
    expect(exitCode).toBe(2)
    expect(envelope.error!.message).toContain('SRC /nonexistent/x')
    expect(envelope.error!.message).toContain('does not exist')
  })
})
