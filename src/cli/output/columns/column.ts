/**
 * A declared column: a header and a pure function from a row to plain text. The same columns
 * render a TTY table, tab-separated lines for pipes, and the TUI's lists.
 */
export interface RenderContext {
  /** Epoch ms "now", injected so renderers stay pure and testable. */
  now: number
  /** Decimals of every cost in the table (`costDigits` of the rows and their total). */
  costDigits?: number
}

export interface Column<T> {
  id: string
  header: string
  align?: 'left' | 'right'
  value: (row: T, ctx: RenderContext) => string
  /** Colour for TTY output only; receives the plain text and returns it styled. */
  style?: (text: string, row: T) => string
}

export function rowCells<T>(columns: readonly Column<T>[], row: T, ctx: RenderContext): string[] {
  return columns.map((column) => column.value(row, ctx))
}

/** Tab-separated lines with no header, safe for `cut -f` and `awk -F'\t'`. */
export function toTsv<T>(columns: readonly Column<T>[], rows: readonly T[], ctx: RenderContext): string {
  return rows.map((row) => rowCells(columns, row, ctx).map((cell) => cell.replace(/[\t\n]/g, ' ')).join('\t')).join('\n')
}
