import stringWidth from 'string-width'

/** Pads or cuts `text` to exactly `width` terminal cells ("…" marks a cut). */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return ''
  const w = stringWidth(text)
  if (w === width) return text
  if (w < width) return align === 'right' ? ' '.repeat(width - w) + text : text + ' '.repeat(width - w)
  let out = ''
  let used = 0
  for (const ch of text) {
    const cw = stringWidth(ch)
    if (used + cw > width - 1) break
    out += ch
    used += cw
  }
  return out + '…' + ' '.repeat(Math.max(0, width - used - 1))
}
