import {describe, expect, it} from 'vitest'

import {actionFor, chordMatches, helpSections, hintsFor, jumpSuggestions, KEYMAP, resolveJump, SCREENS, scopesOf} from './keymap.js'

describe('keymap', () => {
  it('binds every chord once per scope, so no key means two things on one screen', () => {
    for (const screen of SCREENS) {
      const seen = new Map<string, string>()
      for (const scope of scopesOf(screen)) {
        for (const binding of KEYMAP.filter((b) => b.scope === scope)) {
          for (const chord of binding.keys) {
            expect(seen.get(chord), `${chord} on ${screen}`).toBeUndefined()
            seen.set(chord, binding.action)
          }
        }
      }
    }
  })

  it('reads Ink keystrokes: letters are case-sensitive, ctrl and named keys match their flags', () => {
    expect(chordMatches('p', 'p', {})).toBe(true)
    expect(chordMatches('P', 'p', {})).toBe(false)
    expect(chordMatches('ctrl+k', 'k', {ctrl: true})).toBe(true)
    expect(chordMatches('k', 'k', {ctrl: true})).toBe(false)
    expect(chordMatches('down', '', {downArrow: true})).toBe(true)
    expect(chordMatches('tab', '', {tab: true, shift: true})).toBe(false)
    expect(chordMatches('space', ' ', {})).toBe(true)
  })

  it('resolves a key to the most specific action of the screen', () => {
    expect(actionFor('inventory', 'p', {})?.action).toBe('provision')
    expect(actionFor('sessions', 'p', {})).toBeUndefined()
    expect(actionFor('sessions', 'k', {ctrl: true})?.action).toBe('shutdown')
    expect(actionFor('inventory', 'q', {})?.action).toBe('quit')
    expect(actionFor('costs', 'j', {})).toBeUndefined()
    expect(actionFor('inventory', '', {pageDown: true})?.action).toBe('pageDown')
  })

  it('flags renting and ending machines as dangerous, and shows them in the hints and help', () => {
    const dangerous = KEYMAP.filter((b) => b.dangerous).map((b) => b.action)
    expect(dangerous.sort()).toEqual(['done', 'provision', 'resume', 'shutdown'])
    expect(hintsFor('sessions').filter((h) => h.dangerous).map((h) => h.hint)).toEqual(['done', 'kill', 'resume'])
    const help = helpSections('inventory').flatMap((s) => s.rows)
    expect(help.find((r) => r.keys === 'p')).toMatchObject({dangerous: true})
    // Every binding of the screen's scopes is documented, nothing else.
    expect(help).toHaveLength(KEYMAP.filter((b) => scopesOf('inventory').includes(b.scope)).length)
  })

  it('jumps by any unambiguous prefix of a screen name', () => {
    expect(resolveJump('inv')).toBe('inventory')
    expect(resolveJump('s')).toBe('sessions')
    expect(resolveJump('cost')).toBe('costs')
    expect(resolveJump('q')).toBe('quit')
    expect(resolveJump('zzz')).toBeUndefined()
    expect(resolveJump('')).toBeUndefined()
    expect(jumpSuggestions('b')).toEqual(['budgets'])
  })
})
