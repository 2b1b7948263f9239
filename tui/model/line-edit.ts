import type {KeyPress} from '../keymap.js'

export type LineEdit = {kind: 'change'; value: string} | {kind: 'submit'; value: string} | {kind: 'cancel'} | null

/**
 * One keystroke applied to a one-line editor (the filter, `:` and number prompts): printable
 * text is appended (a paste arrives as one chunk), Backspace deletes, Ctrl-U clears, Enter
 * submits, Esc cancels; `accept` limits the characters taken. A terminal under load can hand
 * over Enter in one chunk with the keys typed around it ("vast\rU"): the text before it is
 * kept and the line submitted, rather than the Enter dropped with the line left open.
 */
export function editLine(value: string, input: string, key: KeyPress, accept?: RegExp, maxLength = 200): LineEdit {
  if (key.escape) return {kind: 'cancel'}
  if (key.return) return {kind: 'submit', value}
  const enter = input.search(/[\r\n]/)
  if (enter >= 0 && !key.ctrl && !key.meta) {
    return {kind: 'submit', value: appendPrintable(value, input.slice(0, enter), accept, maxLength)}
  }
  if (key.backspace || key.delete) return value ? {kind: 'change', value: value.slice(0, -1)} : null
  if (key.ctrl && input === 'u') return {kind: 'change', value: ''}
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) return null
  const next = appendPrintable(value, input, accept, maxLength)
  return next === value ? null : {kind: 'change', value: next}
}

function appendPrintable(value: string, input: string, accept: RegExp | undefined, maxLength: number): string {
  // eslint-disable-next-line no-control-regex
  const printable = input.replace(/[\u0000-\u001f\u007f]/g, '')
  const accepted = accept ? [...printable].filter((c) => accept.test(c)).join('') : printable
  return (value + accepted).slice(0, maxLength)
}
