import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {Config, type Command} from '@oclif/core'
import fc from 'fast-check'
import {beforeAll, describe, expect, it} from 'vitest'

import {REPO_ROOT} from '../../../test/support/cli.js'
import {fastRouteFor} from './fast-path.js'
import {parseFastFlags} from './parse-flags.js'
import {FAST_ROUTES, type FastRoute} from './routes.js'

/** The oclif command each route stands for, by its words. */
const COMMANDS: Record<string, () => Promise<{default: Command.Class}>> = {
  sessions: () => import('../../../commands/sessions/index.js'),
}

let config: Config
beforeAll(async () => {
  config = await Config.load(REPO_ROOT)
})

async function commandOf(route: FastRoute): Promise<Command.Class> {
  const load = COMMANDS[route.words.join(' ')]
  if (!load) throw new Error(`no oclif command listed for the fast route "${route.words.join(' ')}"`)
  return (await load()).default
}

/** What oclif's own parse of the command makes of `argv`: its flags, or the error it throws. */
async function oclifFlags(command: Command.Class, argv: string[]): Promise<{flags: Record<string, unknown>} | {error: string}> {
  const instance = new (command as unknown as new (argv: string[], config: Config) => Command)(argv, config)
  try {
    const parsed = await (instance as unknown as {parse(options: Command.Class, argv: string[]): Promise<{flags: Record<string, unknown>}>}).parse(command, argv)
    return {flags: parsed.flags}
  } catch (err) {
    return {error: (err as Error).message}
  }
}

/** oclif's flags as the fast path would hold them: absent flags left out, as the fast path does. */
function present(flags: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined))
}

describe.each(FAST_ROUTES.map((route) => [route.words.join(' '), route] as const))('the fast route of `%s`', (_, route) => {
  it('reads any arguments it accepts exactly as oclif parses them, and leaves the rest to oclif', async () => {
    // Given words made of the command's flags, their values, and what oclif treats specially
    const command = await commandOf(route)
    const names = Object.keys(route.flags)
    const values = ['running', 'stopped', 'vastai', 'bogus', '5', '0', '007', '-3', '1.5', '', 'sess-1', 'a b', '--json', 'x=y']
    const name = fc.constantFrom(...names)
    const value = fc.constantFrom(...values)
    const segment = fc.oneof(
      fc.tuple(name, value).map(([n, v]) => [`--${n}`, v]),
      fc.tuple(name, value).map(([n, v]) => [`--${n}=${v}`]),
      name.map((n) => [`--${n}`]),
      fc.constantFrom(['--help'], ['-h'], ['--'], ['-'], ['--no-json'], ['--bogus'], ['--json=true'], ['get'], ['-j'], ['sess-1']),
    )
    const argvs = fc.array(segment, {maxLength: 5}).map((segments) => segments.flat())
    await fc.assert(
      fc.asyncProperty(argvs, async (argv) => {
        // When both read them
        const fast = parseFastFlags(argv, route.flags)
        const oclif = await oclifFlags(command, argv)
        // Then whatever the fast path accepts, oclif parses to the same flags without an error
        if (fast !== null) expect(oclif).toEqual({flags: present(fast)})
      }),
      {numRuns: 1000},
    )
  })

  it('takes every flag of the oclif command, and no other', async () => {
    const command = await commandOf(route)
    const oclif = Object.keys({json: true, ...command.flags}).sort()
    expect(Object.keys(route.flags).sort()).toEqual(oclif)
  })

  it('accepts the everyday forms', async () => {
    const command = await commandOf(route)
    for (const argv of [['--json'], [], ['--json', '--limit', '5'], ['--limit=5', '--json']]) {
      const fast = parseFastFlags(argv, route.flags)
      expect(fast, argv.join(' ')).not.toBeNull()
      expect(await oclifFlags(command, argv)).toEqual({flags: present(fast!)})
    }
  })
})

describe('fastRouteFor', () => {
  it('routes `sessions` with plain flags, its defaults filled in as oclif fills them', () => {
    expect(fastRouteFor(['sessions', '--json'], {})?.flags).toEqual({json: true, timeout: 600})
    expect(fastRouteFor(['sessions', '--status', 'running', '--consumer-id=my-app'], {})?.flags).toEqual({status: 'running', 'consumer-id': 'my-app', timeout: 600})
  })

  it.each([
    [['sessions', '--help']],
    [['sessions', '--json', '--help']],
    [['sessions', 'get', 'sess-1']],
    [['sessions', '--status', 'bogus']],
    [['sessions', '--limit', 'ten']],
    [['sessions', '--watch']],
    [['sessions', '--json', '--json']],
    [['sessions', '--json', '--']],
    [['sessions', '-h']],
    [['--json', 'sessions']],
    [['inventory', '--json']],
    [['tui']],
    [[]],
  ])('leaves %j to oclif', (argv) => {
    expect(fastRouteFor(argv, {})).toBeNull()
  })

  it.each(['DEBUG', 'CLI_FLAGS_DEBUG', 'GPU_SHOPPER_DEBUG', 'GPU_SHOPPER_CONTENT_TYPE', 'GPU_SHOPPER_REDIRECTED'])('leaves every run to oclif when %s is set, since oclif acts on it', (name) => {
    expect(fastRouteFor(['sessions', '--json'], {[name]: '1'})).toBeNull()
  })
})

describe('what the fast path skips of oclif', () => {
  it('skips no hook: the CLI declares none that runs for a command that exists', () => {
    // An init, prerun, postrun, preparse or finally hook would run under oclif and not here.
    const pjson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {oclif: {hooks?: object; plugins?: unknown[]}}
    expect(Object.keys(pjson.oclif.hooks ?? {})).toEqual(['command_not_found'])
    expect(pjson.oclif.plugins ?? []).toEqual([])
  })
})
