import {describe, expect, it} from 'vitest'

import {commandNotFound, editDistance, suggestCommands} from './command-suggestions.js'
import {EXIT} from '../exit-codes.js'

const IDS = ['sessions', 'sessions:get', 'provision', 'done', 'daemon:start', 'daemon:stop', 'daemon:status', 'daemon:logs', 'ssh-keys:add', 'iam:ssh-keys:add', 'catalog:list']

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('sesions', 'sessions')).toBe(1)
    expect(editDistance('provison', 'provision')).toBe(1)
    expect(editDistance('stats', 'status')).toBe(1)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('same', 'same')).toBe(0)
  })
})

describe('suggestCommands', () => {
  it('suggests the closest commands, as they are typed (with spaces)', () => {
    expect(suggestCommands('sesions', IDS)).toEqual(['sessions'])
    expect(suggestCommands('provison', IDS)).toEqual(['provision'])
    expect(suggestCommands('daemon:stats', IDS)[0]).toBe('daemon status')
    expect(suggestCommands('iam:ssh-key:add', IDS)).toContain('iam ssh-keys add')
  })

  it('lists a topic\'s commands for an unknown word after it, and nothing for gibberish', () => {
    expect(suggestCommands('sessions:sess-abc', IDS)).toEqual(['sessions', 'sessions get'])
    expect(suggestCommands('xyzzy', IDS)).toEqual([])
  })
})

describe('commandNotFound', () => {
  it('says what was typed and suggests the closest command as the fix, exit 2', () => {
    const err = commandNotFound('sesions', IDS, 'gpu-shopper')
    expect(err.message).toBe('there is no `gpu-shopper sesions` command')
    expect(err.fix).toBe('Did you mean `gpu-shopper sessions`? `gpu-shopper --help` lists every command.')
    expect(err.exitCode).toBe(EXIT.USAGE)
    expect(err.details).toEqual({command: 'sesions', suggestions: ['sessions']})
  })

  it('points the login words of other CLIs at the auth commands', () => {
    const ids = [...IDS, 'auth:login', 'auth:logout', 'auth:status', 'auth:token']
    expect(commandNotFound('login', ids, 'gpu-shopper').fix).toMatch(/^Did you mean `gpu-shopper auth login`/)
    expect(commandNotFound('logout', ids, 'gpu-shopper').details).toMatchObject({suggestions: expect.arrayContaining(['auth logout'])})
    expect(commandNotFound('whoami', ids, 'gpu-shopper').fix).toMatch(/^Did you mean `gpu-shopper auth status`/)
    expect(commandNotFound('auth:logn', ids, 'gpu-shopper').fix).toContain('`gpu-shopper auth login`')
  })
})
