import type {ActionId} from '../keymap.js'

/** Where the selection goes for a movement key; other actions leave it. */
export function moveSelection(action: ActionId, index: number, length: number, pageSize: number): number {
  if (length === 0) return 0
  const last = length - 1
  const page = Math.max(1, pageSize)
  const at = Math.min(Math.max(index, 0), last)
  switch (action) {
    case 'up':
      return Math.max(0, at - 1)
    case 'down':
      return Math.min(last, at + 1)
    case 'pageUp':
      return Math.max(0, at - page)
    case 'pageDown':
      return Math.min(last, at + page)
    case 'top':
      return 0
    case 'bottom':
      return last
    default:
      return at
  }
}

export const MOVEMENTS: ReadonlySet<ActionId> = new Set(['up', 'down', 'pageUp', 'pageDown', 'top', 'bottom'])
