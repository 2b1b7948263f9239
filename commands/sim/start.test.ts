import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Config} from '@oclif/core'
import {afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {EXIT} from '../../src/cli/exit-codes.js'
import {DEFAULT_OFFER_COUNT} from '../../src/sim/index.js'
import {pollUntil} from '../../test/support/poll.js'
import {captureOutput} from '../../test/support/captured-output.js'
import {REPO_ROOT} from '../../test/support/cli.js'
import SimStart from './start.js'

let config: Config
beforeAll(async () => {
  config = await Config.load(REPO_ROOT)
})
afterEach(() => {
  process.exitCode = undefined
})

/**
 * Runs `sim start` in this process with its output captured. `whileRunning` sees stdout as it
 * grows; Ctrl-C (the command's own SIGINT handler) ends the run after it.
 */
async function simStart(argv: string[], whileRunning?: (stdout: () => string) => Promise<void>) {
  const output = captureOutput()
  process.exitCode = undefined
  try {
    const running = (new SimStart(argv, config) as unknown as {_run(): Promise<unknown>})._run()
    if (whileRunning) {
      try {
        await whileRunning(output.stdout)
      } finally {
        process.emit('SIGINT')
      }
    }
    await running
  } finally {
    output.restore()
  }
  return {stdout: output.stdout(), stderr: output.stderr(), exitCode: process.exitCode ?? 0}
}

describe('sim start --offers', () => {
  it.each([['0'], ['200001'], ['-3']])('refuses --offers %s as a usage error naming the range, and starts nothing', async (value) => {
    // When the market size is out of range
    const human = await simStart(['--offers', value])
    const json = await simStart(['--offers', value, '--json'])

    // Then both forms exit 2 with the flag and the accepted range
    expect(human.exitCode).toBe(EXIT.USAGE)
    expect(human.stderr).toContain(`--offers must be between 1 and 200000 (got ${value})`)
    expect(json.exitCode).toBe(EXIT.USAGE)
    expect(JSON.parse(json.stdout)).toMatchObject({ok: false, error: {error_type: 'usage_error', message: expect.stringContaining('--offers')}})
    expect(human.stdout).not.toContain('VASTAI_API_URL')
  })

  it.each([
    [['--offers', '25'], 25],
    [[], DEFAULT_OFFER_COUNT],
  ])('generates a market of the size asked for (%j), the default when unset', async (flags, expected) => {
    // Given `sim start`, When it prints where it listens
    const result = await simStart([...flags, '--json'], async (stdout) => {
      const urls = await pollUntil(
        () => (stdout().trim().endsWith('}') ? (JSON.parse(stdout()) as {data: {vastai_url: string}}).data : undefined),
        'sim start to print its URLs',
        10_000,
      )

      // Then its Vast.ai market holds that many offers
      const info = (await (await fetch(`${urls.vastai_url}/_sim/info`)).json()) as {offers: number}
      expect(info.offers).toBe(expected)
    })
    expect(result.exitCode).toBe(0)
    expect(SimStart.flags.offers.description).toContain(`${DEFAULT_OFFER_COUNT} when unset`)
  })
})

describe('sim start --state-dir', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-sim-start-state-'))
  })
  afterEach(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  /** Runs `sim start --json` with the flags, hands its URLs to `use`, then stops it. */
  async function withSims(flags: string[], use: (urls: {vastai_url: string; tensordock_url: string}) => Promise<void>) {
    return simStart([...flags, '--json'], async (stdout) => {
      const urls = await pollUntil(
        () => (stdout().trim().endsWith('}') ? (JSON.parse(stdout()) as {data: {vastai_url: string; tensordock_url: string}}).data : undefined),
        'sim start to print its URLs',
        10_000,
      )
      await use(urls)
    })
  }

  it('carries the marketplaces over to the next start on the same directory', async () => {
    // Given simulators on a state dir with an orphan instance made through the control API
    let orphan = 0
    const first = await withSims(['--offers', '30', '--state-dir', dir], async (urls) => {
      orphan = ((await (await fetch(`${urls.vastai_url}/_sim/instances`, {method: 'POST', body: JSON.stringify({label: 'kept'})})).json()) as {new_contract: number}).new_contract
    })
    expect(first.exitCode).toBe(0)

    // When they start again on it, Then the instance is there and reported as kept in that dir
    const second = await withSims(['--offers', '30', '--state-dir', dir], async (urls) => {
      const listed = (await (await fetch(`${urls.vastai_url}/_sim/instances`)).json()) as {instances: {id: number; label: string}[]}
      expect(listed.instances.map((i) => [i.id, i.label])).toEqual([[orphan, 'kept']])
      expect(((await (await fetch(`${urls.vastai_url}/_sim/info`)).json()) as {state_dir: string}).state_dir).toBe(dir)
    })
    expect(second.exitCode).toBe(0)
  })

  it('refuses a path that is not a directory it can write, naming the flag, and starts nothing', async () => {
    const file = join(dir, 'not-a-dir')
    writeFileSync(file, 'x')
    const result = await simStart(['--state-dir', file])
    expect(result.exitCode).toBe(EXIT.USAGE)
    expect(result.stderr).toContain(`--state-dir is not a directory (${file})`)
    expect(result.stdout).not.toContain('VASTAI_API_URL')
  })
})
