import {describe, expect, it} from 'vitest'

import {escapeXml, unescapeXml} from './xml-text.js'

describe('escapeXml', () => {
  it('escapes the five special characters and reads them back', () => {
    const text = `a<b>&"c"'d'`
    expect(escapeXml(text)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;')
    expect(unescapeXml(escapeXml(text))).toBe(text)
  })

  it('keeps tabs, newlines and non-ASCII text', () => {
    expect(escapeXml('é\t☃\n')).toBe('é\t☃\n')
  })

  it('refuses characters XML 1.0 cannot carry at all', () => {
    expect(() => escapeXml('bell\u0007')).toThrow(/XML cannot carry/)
    expect(() => escapeXml('nul\u0000')).toThrow(/XML cannot carry/)
  })

  it('reads character references as libvirt may write them', () => {
    expect(unescapeXml('&#39;&#x27;&amp;lt;&unknown;')).toBe(`''&lt;&unknown;`)
  })
})
