import {Config} from '@oclif/core'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'

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
