import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, type CliResult} from '../support/cli.js'
import {createTempHome, type TempHome} from '../support/temp-home.js'
import {runCliOnTty} from '../support/tty-cli.js'

/**
 * What a new user reads when something goes wrong, through the real binary against
 * `daemon start --simulate`: errors name the flag that was typed and the fix that applies, say
 * each thing once, and a declined prompt is not an error.
 */
describe('messages and output of the CLI', () => {
  let home: TempHome
  let url: string
  const cli = (...args: string[]) => runCli(args, {env: home.env, timeoutMs: 60_000})
  const count = (text: string, part: string) => text.split(part).length - 1

  beforeAll(async () => {
    home = await createTempHome()
  })

  afterAll(async () => {
    if (home) await cli('daemon', 'stop')
    await home?.cleanup()
  })

  it('`daemon status` exits 5 when nothing runs and says how to start it', async () => {
    // Given no daemon in this home
    const human = await cli('daemon', 'status')
    expect(human.exitCode, human.stderr).toBe(5)
    expect(human.stderr).toContain('Error: the gpu-shopper daemon is not running')
    expect(human.stderr).toContain('Fix: Start it with `gpu-shopper daemon start`')
    expect(human.stdout).toBe('')

    const json = await cli('daemon', 'status', '--json')
    expect(json.exitCode).toBe(5)
    expect(json.json().error).toMatchObject({error_type: 'daemon_not_running', exit_code: 5, running: false})

    // And once one is started, it exits 0
    const started = await cli('daemon', 'start', '--simulate', '--port', '0', '--json')
    expect(started.exitCode, started.stderr).toBe(0)
    const running = await cli('daemon', 'status', '--json')
    expect(running.exitCode).toBe(0)
    url = running.json<{url: string}>().data.url
  })

  it('names --key (the flag typed) when the key is not a public key, in both spellings of the command', async () => {
    for (const command of [['ssh-keys', 'add'], ['iam', 'ssh-keys', 'add']]) {
      const result = await cli(...command, '--title', 'laptop', '--key', 'not-a-key')
      expect(result.exitCode, result.stderr).toBe(2)
      expect(result.stderr).toMatch(/^Error: --key: not an OpenSSH public key line/m)
      expect(result.stderr).toContain('Nothing was registered.')
      expect(result.stderr).toContain('Fix: Pass the whole line of a .pub file, e.g. --key "$(cat ~/.ssh/id_ed25519.pub)"')
      expect(result.stderr).not.toContain('key-body')
      expect(result.stderr).not.toContain('key_body')
    }
  })

  it('tells a user whose GPU_SHOPPER_TOKEN is refused to unset it or set the right one', async () => {
    const result = await runCli(['sessions'], {env: {...home.env, GPU_SHOPPER_SERVER: url, GPU_SHOPPER_TOKEN: 'wrong'}})
    expect(result.exitCode).toBe(8)
    expect(result.stderr).toContain('Fix: Unset GPU_SHOPPER_TOKEN')
    expect(result.stderr).toContain(`set GPU_SHOPPER_TOKEN to a valid token for ${url}`)
    expect(result.stderr).not.toContain('daemon stop')
  })

  it('says a not-found once: the message, then the fix', async () => {
    const checks: Array<[string[], string, string]> = [
      [['sessions', 'get', 'sess-nope'], 'sess-nope', '`gpu-shopper sessions`'],
      [['costs', '--session-id', 'sess-nope'], 'sess-nope', '`gpu-shopper sessions`'],
      [['ssh-keys', 'remove', 'key-nope'], 'key-nope', '`gpu-shopper ssh-keys list`'],
    ]
    for (const [args, id, command] of checks) {
      const result: CliResult = await cli(...args)
      expect(result.exitCode, result.stderr).toBe(3)
      expect(count(result.stderr, id), result.stderr).toBe(1)
      expect(count(result.stderr, command), result.stderr).toBe(1)
    }
  })

  it('suggests the closest commands for a typo, and `auth login` for `login`', async () => {
    const typo = await cli('sesions')
    expect(typo.exitCode).toBe(2)
    expect(typo.stderr).toContain('Error: there is no `gpu-shopper sesions` command')
    expect(typo.stderr).toContain('Fix: Did you mean `gpu-shopper sessions`?')

    const json = await cli('provison', '--json')
    expect(json.exitCode).toBe(2)
    expect(json.json().error).toMatchObject({error_type: 'command_not_found', suggestions: ['provision']})

    const login = await cli('login')
    expect(login.exitCode).toBe(2)
    expect(login.stderr).toContain('Fix: Did you mean `gpu-shopper auth login`?')
  })

  it('answering n to `shutdown` destroys nothing and is not an error; a script naming the session is not asked', async () => {
    // Given a session
    const offers = await cli('inventory', '--gpu-type', 'RTX 4090', '--limit', '1', '--json')
    const offer = offers.json<{offers: Array<{id: string}>}>().data.offers[0]!
    const created = await cli('provision', '--offer-id', offer.id, '--consumer-id', 'declines', '--workload-type', 'llm', '--hours', '1', '--json')
    expect(created.exitCode, created.stderr).toBe(0)
    const session = created.json<{session: {id: string}}>().data.session

    // When the user answers n at the terminal
    const declined = await runCliOnTty(['shutdown', session.id], {env: home.env, input: 'n\n'})

    // Then the command exits 0, says nothing was done, and the session is still there
    expect(declined.exitCode, declined.screen).toBe(0)
    expect(declined.screen).toContain(`Force-destroy ${session.id}`)
    expect(declined.screen).toContain(`Nothing was done: ${session.id} is still`)
    expect(declined.screen).not.toContain('Error')
    const after = await cli('sessions', 'get', session.id, '--json')
    expect(after.json<{status: string}>().data.status).not.toMatch(/stopping|stopped/)

    // And a script that names the session is not asked: it goes ahead and says what it destroys
    const scripted = await cli('shutdown', session.id)
    expect(scripted.exitCode, scripted.stderr).toBe(0)
    expect(scripted.stdout).toContain(session.id)
    expect(scripted.stderr).toMatch(new RegExp(`Force-destroying ${session.id} \\(1x RTX 4090 at \\w+, \\w+\\)`))
    const gone = await cli('sessions', 'get', session.id, '--json')
    expect(gone.json<{status: string}>().data.status).toMatch(/stopping|stopped/)
  })

  it('prints aligned, labelled, pluralised text on a terminal and keeps tabs for a pipe', async () => {
    // An offer no earlier session here rented: a rented Vast.ai offer is gone until its instance is.
    const used = new Set((await cli('sessions', '--json')).json<{sessions: Array<{offer_id: string}>}>().data.sessions.map((s) => s.offer_id))
    const offers = await cli('inventory', '--gpu-type', 'RTX 4090', '--limit', '20', '--json')
    const offer = offers.json<{offers: Array<{id: string}>}>().data.offers.find((o) => !used.has(o.id))!

    // When a session is rented at a terminal
    const rented = await runCliOnTty(['provision', '--offer-id', offer.id, '--consumer-id', 'tty-app', '--workload-type', 'llm', '--hours', '1'], {env: home.env})
    expect(rented.exitCode, rented.screen).toBe(0)
    const id = /(sess-[0-9a-f]{12})/.exec(rented.screen)![1]!

    // Then its line has no raw tab, but piped output does (for `cut -f`)
    expect(rented.screen).toMatch(new RegExp(`^${id}  (pending|provisioning|running) on RTX 4090`, 'm'))
    expect(rented.screen).not.toContain('\t')
    const piped = await cli('done', id)
    expect(piped.stdout).toMatch(new RegExp(`^${id}\t`))

    // And one session's cost labels each figure
    const cost = await runCliOnTty(['costs', '--session-id', id], {env: home.env})
    expect(cost.exitCode, cost.screen).toBe(0)
    for (const label of ['Session', 'Status', 'Cost', 'Hours used']) expect(cost.screen).toMatch(new RegExp(`^${label} +\\S`, 'm'))
    expect(cost.screen).toMatch(new RegExp(`^Session +${id}$`, 'm'))

    // And counts agree with their number
    const listed = await cli('sessions', '--consumer-id', 'tty-app')
    expect(listed.stderr).toContain('1 of 1 session.')
  })
})
