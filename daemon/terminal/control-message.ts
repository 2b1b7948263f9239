/**
 * The page sends keystrokes as binary frames and control messages as JSON text frames, so a
 * pasted `{"type":"resize"}` is never mistaken for one. Text frames that are not a known
 * control message are typed input (handy for `wscat` and simple clients).
 */
export type ControlMessage = {type: 'resize'; cols: number; rows: number}

/** Terminals larger than this are a client bug or an attack on the remote pty's buffers. */
const MAX_DIMENSION = 1_000

export interface TerminalSize {
  cols: number
  rows: number
}

export const DEFAULT_TERMINAL_SIZE: TerminalSize = {cols: 80, rows: 24}

export function parseControlMessage(text: string): ControlMessage | null {
  if (!text.startsWith('{')) return null
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (!value || typeof value !== 'object') return null
  const message = value as Record<string, unknown>
  if (message.type !== 'resize') return null
  const cols = dimension(message.cols)
  const rows = dimension(message.rows)
  return cols && rows ? {type: 'resize', cols, rows} : null
}

/** A positive whole number of cells, clamped; null when it is not one. */
export function dimension(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isFinite(n)) return null
  const whole = Math.floor(n)
  return whole >= 1 ? Math.min(whole, MAX_DIMENSION) : null
}
