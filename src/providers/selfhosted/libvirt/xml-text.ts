/**
 * The XML we write holds node paths, network names and kernel command lines. XML 1.0 cannot
 * carry most control characters at all (not even escaped), so they are refused instead of
 * producing a document libvirt rejects or, worse, reads differently.
 */

// Tab, LF and CR are the only characters below U+0020 that XML 1.0 allows.
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/u

const ESCAPES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'}

/** Text or an attribute value (either quote style) as XML reads it back. */
export function escapeXml(text: string): string {
  if (NOT_XML_CHAR.test(text)) throw new Error(`${JSON.stringify(text)} has a character XML cannot carry`)
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

/** Reverses the predefined entities and character references, as libvirt writes them back. */
export function unescapeXml(text: string): string {
  return text.replace(/&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g, (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16))
    if (dec !== undefined) return String.fromCodePoint(parseInt(dec, 10))
    return {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"}[name as 'amp'] ?? whole
  })
}
