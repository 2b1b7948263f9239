import {afterAll, beforeAll, expect} from 'vitest'

import {runCli, type CliResult} from './cli.js'
import {createTempHome, type TempHome} from './temp-home.js'

export interface SimulatedDaemonCli {
  /** The throwaway home the daemon and every command run in (set once the suite started). */
  home(): TempHome
  /** The built binary in that home; `env` adds to the home's variables. */
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>
  /** A command that must succeed (exit 0); throws with both streams when it does not. */
  ok(...args: string[]): Promise<CliResult>
  /** `--json` data of a command that must succeed; throws with both streams when it does not. */
  data<T = any>(...args: string[]): Promise<T>
  /** Every stdout and stderr so far, to check that a secret was never shown. */
  readonly seen: string[]
}

export interface SimulatedDaemonCliOptions {
  /**
   * Runs on the fresh home before the daemon starts, e.g. to set or remove a variable of
   * `home.env` (the daemon and every command run with it) or to make a directory there.
   */
  beforeStart?(home: TempHome): void | Promise<void>
}

/**
 * For a describe block: a throwaway home with `daemon start --simulate` running from before the
 * first test until after the last, and the real binary driven against it.
 */
export function simulatedDaemonCli(options: SimulatedDaemonCliOptions = {}): SimulatedDaemonCli {
  let home: TempHome | undefined
  const seen: string[] = []
  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = await runCli(args, {env: {...home!.env, ...env}, timeoutMs: 180_000})
    seen.push(result.stdout, result.stderr)
    return result
  }
  const ok = async (...args: string[]) => {
    const result = await cli(args)
    if (result.exitCode !== 0) throw new Error(`gpu-shopper ${args.join(' ')} failed (${result.exitCode}):\n${result.stdout}${result.stderr}`)
    return result
  }
  const data = async <T = any>(...args: string[]): Promise<T> => {
    const result = await cli([...args, '--json'])
    const envelope = result.json<T>()
    if (!envelope.ok || result.exitCode !== 0) throw new Error(`gpu-shopper ${args.join(' ')} failed (${result.exitCode}): ${result.stdout}${result.stderr}`)
    return envelope.data
  }

  beforeAll(async () => {
    home = await createTempHome()
    await options.beforeStart?.(home)
    const started = await cli(['daemon', 'start', '--simulate', '--port', '0', '--json'])
    expect(started.exitCode, started.stdout + started.stderr).toBe(0)
  })
  afterAll(async () => {
    if (home) await runCli(['daemon', 'stop'], {env: home.env})
    await home?.cleanup()
  })

  return {home: () => home!, cli, ok, data, seen}
}
