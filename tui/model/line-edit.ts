import type {KeyPress} from '../keymap.js'

export type LineEdit = {kind: 'change'; value: string} | {kind: 'submit'; value: string} | {kind: 'cancel'} | null

/**
 * One keystroke applied to a one-line editor (the filter, `:` and number prompts): printable
 * text is appended (a paste arrives as one chunk), Backspace deletes, Ctrl-U clears, Enter
 * submits, Esc cancels; `accept` limits the characters taken.
 */
export function editLine(value: string, input: string, key: KeyPress, accept?: RegExp, maxLength = 200): LineEdit {
  if (key.escape) return {kind: 'cancel'}
  if (key.return) return {kind: 'submit', value}
  if (key.backspace || key.delete) return value ? {kind: 'change', value: value.slice(0, -1)} : null
  if (key.ctrl && input === 'u') return {kind: 'change', value: ''}
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) return null
  // eslint-disable-next-line no-control-regex
  const printable = input.replace(/[\u0000-\u001f\u007f]/g, '')
  const accepted = accept ? [...printable].filter((c) => accept.test(c)).join('') : printable
  const next = (value + accepted).slice(0, maxLength)
  return next === value ? null : {kind: 'change', value: next}
}
