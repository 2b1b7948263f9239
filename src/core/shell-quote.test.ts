import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'

import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {command, shellQuote} from './shell-quote.js'

// The shells a node's login shell may be; each must read the quoted words back unchanged.
const SHELLS = ['/bin/sh', '/usr/bin/dash', '/bin/bash', '/usr/bin/zsh'].filter((shell) => existsSync(shell))

/** What `shell -c "printf '%s\0' <words>"` hands printf: the argv the shell parsed. */
function argvAsParsedBy(shell: string, line: string): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${line}`], {encoding: 'utf8'})
  return out.split('\0').slice(0, -1)
}

const NASTY = [
  '',
  ' ',
  "it's",
  "''",
  '"double" quotes',
  '$(touch /tmp/pwned)',
  '`id`',
  '$HOME ${PATH} $1 $@',
  'a\nb\n',
  '\ttab\r\n',
  'semi; rm -rf / && echo || true | cat > /dev/null &',
  '*',
  '?[a-z]',
  '~',
  '~root',
  '=ls',
  '-rf',
  '--remove-all-storage',
  '\\\\back\\slash\\',
  '!!',
  '#comment',
  '{a,b}',
  'héllo wörld ☃',
  '%1',
  '^old^new',
]

describe('shellQuote', () => {
  it.each(SHELLS)('survives nasty arguments in %s', (shell) => {
    // Given arguments full of quotes, expansions, globs, newlines and options
    // When each is quoted and parsed back by a real shell
    const parsed = argvAsParsedBy(shell, NASTY.map(shellQuote).join(' '))

    // Then the shell sees exactly the original argv
    expect(parsed).toEqual(NASTY)
  })

  it('round-trips any string without NUL through a real shell', () => {
    const shell = SHELLS[0]!
    fc.assert(
      fc.property(fc.array(fc.string({unit: 'binary', maxLength: 40}).filter((s) => !s.includes('\0')), {minLength: 1, maxLength: 6}), (argv) => {
        expect(argvAsParsedBy(shell, argv.map(shellQuote).join(' '))).toEqual(argv)
      }),
      {numRuns: 60},
    )
  })

  it('leaves plain words bare and quotes everything else', () => {
    expect(shellQuote('qemu:///system')).toBe('qemu:///system')
    expect(shellQuote('gpu-shopper_dep-1a2b3c4d_sess-0a1b2c3d4e5f.qcow2')).toBe('gpu-shopper_dep-1a2b3c4d_sess-0a1b2c3d4e5f.qcow2')
    expect(shellQuote('LC_ALL=C')).toBe('LC_ALL=C')
    expect(shellQuote('=ls')).toBe(`'=ls'`)
    expect(shellQuote("it's")).toBe(`'it'\\''s'`)
    expect(shellQuote('')).toBe(`''`)
    expect(shellQuote('$(id)')).toBe(`'$(id)'`)
  })

  it('refuses a NUL byte, which would cut the argument short on the node', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/)
  })
})

describe('command', () => {
  it('joins quoted arguments into one line a shell runs as that argv', () => {
    const line = command('printf', '%s|', 'a b', "c'd", '$(e)')
    expect(line).toBe(`printf '%s|' 'a b' 'c'\\''d' '$(e)'`)
    expect(execFileSync('/bin/sh', ['-c', line], {encoding: 'utf8'})).toBe(`a b|c'd|$(e)|`)
  })

  it('needs a program', () => {
    expect(() => command()).toThrow(/program/)
  })
})
