import {Config, Flags} from '@oclif/core'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'

import {ApiError} from '../client/errors.js'
import {captureOutput} from '../../test/support/captured-output.js'
import {REPO_ROOT} from '../../test/support/cli.js'
import {BaseCommand} from './base-command.js'
import {EXIT} from './exit-codes.js'
import {UserError} from './errors.js'
import {outputFlag} from './output/output-mode.js'

class Probe extends BaseCommand {
  static override id = 'probe'
  static override flags = {
    fail: Flags.string({options: ['user', 'api', 'bug', 'exit']}),
    hours: Flags.integer(),
  }

  async run(): Promise<{hello: string}> {
    const {flags} = await this.parse(this.ctor as typeof Probe)
    this.narrate('narration')
    this.warnUser('careful')
    if (flags.fail === 'user') throw new UserError('--hours must be between 1 and 12', {fix: 'pass 1 to 12'})
    if (flags.fail === 'api') throw new ApiError({status: 409, errorType: 'conflict', message: 'wrong state', requestId: 'req-7'})
    if (flags.fail === 'bug') throw new TypeError('oops')
    if (flags.fail === 'exit') this.exit(3)
    this.out('human result')
    return {hello: 'world'}
  }
}

/** A command with the quick start's --output flag. */
class OutputProbe extends Probe {
  static override id = 'output-probe'
  static override flags = {...Probe.flags, output: outputFlag}
}

let config: Config
beforeAll(async () => {
  config = await Config.load(REPO_ROOT)
})

async function run(argv: string[], command: typeof Probe = Probe) {
  const output = captureOutput()
  process.exitCode = undefined
  try {
    await (new command(argv, config) as unknown as {_run(): Promise<unknown>})._run()
  } finally {
    output.restore()
  }
  const exitCode = process.exitCode ?? 0
  process.exitCode = undefined
  return {stdout: output.stdout(), stderr: output.stderr(), exitCode}
}

afterEach(() => {
  process.exitCode = undefined
})

describe('BaseCommand', () => {
  it('prints the result on stdout and narration and warnings on stderr', async () => {
    const {stdout, stderr, exitCode} = await run([])
    expect(stdout).toBe('human result\n')
    expect(stderr).toContain('narration')
    expect(stderr).toContain('careful')
    expect(exitCode).toBe(0)
  })

  it('prints only the success envelope under --json, with the warnings inside', async () => {
    const {stdout, stderr, exitCode} = await run(['--json'])
    expect(JSON.parse(stdout)).toEqual({ok: true, data: {hello: 'world'}, warnings: ['careful']})
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
  })

  it.each([
    ['user', EXIT.USAGE, 'usage_error'],
    ['api', EXIT.CONFLICT, 'conflict'],
    ['bug', EXIT.INTERNAL, 'internal_error'],
  ])('exits the same with and without --json for a %s error', async (kind, code, type) => {
    const human = await run(['--fail', kind])
    const json = await run(['--fail', kind, '--json'])

    expect(human.exitCode).toBe(code)
    expect(json.exitCode).toBe(code)
    expect(human.stdout).toBe('')
    expect(human.stderr).toMatch(/^Error: /m)
    expect(human.stderr).not.toMatch(/\n\s+at /)
    const envelope = JSON.parse(json.stdout)
    expect(envelope).toMatchObject({ok: false, error: {error_type: type, exit_code: code}, warnings: ['careful']})
  })

  it('keeps the fix and the request id in both forms', async () => {
    const human = await run(['--fail', 'user'])
    expect(human.stderr).toContain('Fix: pass 1 to 12')
    const json = await run(['--fail', 'api', '--json'])
    expect(JSON.parse(json.stdout).error).toMatchObject({request_id: 'req-7', fix: expect.stringContaining('sessions get')})
  })

  it('reports flag parse errors as usage errors (exit 2), also under --json', async () => {
    const json = await run(['--hours', 'abc', '--json'])
    expect(json.exitCode).toBe(EXIT.USAGE)
    expect(JSON.parse(json.stdout).error).toMatchObject({error_type: 'usage_error', message: expect.stringContaining('--hours')})
    const human = await run(['--nope'])
    expect(human.exitCode).toBe(EXIT.USAGE)
    expect(human.stderr).toContain('--nope')
  })

  it('keeps the code of this.exit(n)', async () => {
    expect((await run(['--fail', 'exit'])).exitCode).toBe(3)
    expect((await run(['--fail', 'exit', '--json'])).exitCode).toBe(3)
  })

  it('prints the bare result object under --output json, warnings on stderr, no narration', async () => {
    // Given a command with --output, when it succeeds with --output json
    const {stdout, stderr, exitCode} = await run(['--output', 'json'], OutputProbe)

    // Then stdout is the object itself (what `jq -r .id` reads), not the envelope
    expect(JSON.parse(stdout)).toEqual({hello: 'world'})
    expect(stderr).toContain('careful')
    expect(stderr).not.toContain('narration')
    expect(exitCode).toBe(0)
  })

  it('keeps stdout empty on failure under --output json, with the error and its exit code on stderr', async () => {
    const {stdout, stderr, exitCode} = await run(['-o', 'json', '--fail', 'api'], OutputProbe)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^Error: wrong state/m)
    expect(exitCode).toBe(EXIT.CONFLICT)
  })

  it('prints the envelope when --json and --output json are both given, and tables for --output table', async () => {
    expect(JSON.parse((await run(['--output=json', '--json'], OutputProbe)).stdout)).toMatchObject({ok: true, data: {hello: 'world'}})
    expect((await run(['--output', 'table'], OutputProbe)).stdout).toBe('human result\n')
  })

  it('ignores an --output value on a command without that flag', async () => {
    const {stderr, exitCode} = await run(['--output', 'json'])
    expect(exitCode).toBe(EXIT.USAGE)
    expect(stderr).toContain('--output')
  })
})
