import {Box, Text} from 'ink'
import {memo, type ReactElement, useMemo, useRef} from 'react'

import type {Column, RenderContext} from '../../src/cli/output/columns/column.js'
import {fit} from './fit.js'

/** A declared column (shared with the CLI's tables) and its width on screen. */
export interface TableColumn<T> {
  column: Column<T>
  width: number
  /** Takes the terminal's spare width (up to `maxWidth`), and gives up its own (down to `minWidth`) before a column is dropped. */
  flex?: boolean
  minWidth?: number
  /** A flexible column grows no wider than this, so on a wide terminal no one column takes all the room. */
  maxWidth?: number
  /** 1 is kept longest; on a narrow terminal higher numbers are dropped first (equal ones from the right). */
  priority?: number
  /** A shorter header than the CLI's, for a narrow column. */
  header?: string
}

/** Rows read by index, so a table of 100k offers touches only the visible ones. */
export interface RowSource<T> {
  length: number
  at(index: number): T | undefined
}

export interface DataTableProps<T> {
  columns: readonly TableColumn<T>[]
  rows: RowSource<T>
  selected: number
  /** Lines for rows (the header is extra). */
  height: number
  width: number
  ctx: RenderContext
  emptyText: string
  rowColor?: (row: T) => string | undefined
  /** Marks the column the rows are sorted by. */
  sortedBy?: {id: string; descending: boolean}
}

const GAP = '  '

/**
 * The columns as they fit `width`. While even their minimum widths do not fit, the least
 * important column goes (by `priority`, then the rightmost), so the ones that matter survive a
 * narrow terminal. Flexible columns then shrink toward `minWidth` or grow toward `maxWidth`, one
 * cell at a time in turn; room no column may take stays empty at the right.
 */
export function layoutColumns<T>(columns: readonly TableColumn<T>[], width: number): TableColumn<T>[] {
  const gaps = (count: number) => GAP.length * Math.max(0, count - 1)
  const least = (c: TableColumn<T>) => (c.flex ? Math.min(c.width, c.minWidth ?? c.width) : c.width)
  let kept = [...columns]
  while (kept.length > 1 && kept.reduce((sum, c) => sum + least(c), 0) + gaps(kept.length) > width) {
    let drop = kept.length - 1
    for (let i = kept.length - 2; i >= 0; i--) if ((kept[i]!.priority ?? 1) > (kept[drop]!.priority ?? 1)) drop = i
    kept = kept.filter((_, i) => i !== drop)
  }
  const out = kept.map((c) => ({...c}))
  let spare = width - out.reduce((sum, c) => sum + c.width, 0) - gaps(out.length)
  const flexible = out.filter((c) => c.flex)
  while (spare !== 0) {
    const movable = flexible.filter((c) => (spare < 0 ? c.width > least(c) : c.width < (c.maxWidth ?? Infinity)))
    if (movable.length === 0) break
    for (const c of movable) {
      if (spare === 0) break
      c.width += Math.sign(spare)
      spare -= Math.sign(spare)
    }
  }
  return out
}

/** The first visible row: moves only as far as needed to keep the selection on screen. */
export function windowStart(previousTop: number, selected: number, height: number, length: number): number {
  if (height <= 0 || length <= height) return 0
  let top = Math.min(previousTop, length - height)
  if (selected < top) top = selected
  if (selected >= top + height) top = selected - height + 1
  return Math.max(0, top)
}

/** A windowed table: one line per visible row, nothing rendered for the rest. */
export function DataTable<T>(props: DataTableProps<T>) {
  const {columns, rows, selected, height, width, ctx} = props
  const topRef = useRef(0)
  const laidOut = useMemo(() => layoutColumns(columns, width), [columns, width])
  const top = windowStart(topRef.current, selected, height, rows.length)
  topRef.current = top

  const header = laidOut
    .map(({column, width: w, header: short}) => {
      const mark = props.sortedBy?.id === column.id ? (props.sortedBy.descending ? '↓' : '↑') : ''
      return fit((short ?? column.header) + mark, w, column.align)
    })
    .join(GAP)

  const lines: ReactElement[] = []
  const end = Math.min(rows.length, top + height)
  for (let i = top; i < end; i++) {
    const row = rows.at(i)
    if (row === undefined) continue
    lines.push(
      // Keyed by place on screen: a new window reuses the same lines (and their layout nodes), only their text changes.
      <TableRow key={i - top} row={row} columns={laidOut} ctx={ctx} width={width} selected={i === selected} color={props.rowColor?.(row)} />,
    )
  }

  return (
    <Box flexDirection="column" height={height + 1} width={width}>
      <Text bold wrap="truncate">
        {fit(header, width)}
      </Text>
      {rows.length === 0 ? <Text dimColor>{props.emptyText}</Text> : lines}
    </Box>
  )
}

interface TableRowProps<T> {
  row: T
  columns: readonly TableColumn<T>[]
  ctx: RenderContext
  width: number
  selected: boolean
  color: string | undefined
}

function TableRowLine<T>({row, columns, ctx, width, selected, color}: TableRowProps<T>) {
  const lineWidth = columns.reduce((sum, c) => sum + c.width, GAP.length * (columns.length - 1))
  // The selection is one bar of inverse text across the table; a row wider than the terminal
  // (one column left, wider than the screen) is cut as a whole, with its "…".
  if (selected || lineWidth > width) {
    const line = columns.map(({column, width: w}) => fit(column.value(row, ctx), w, column.align)).join(GAP)
    return (
      <Text inverse={selected} color={selected ? undefined : color} wrap="truncate">
        {fit(line, width)}
      </Text>
    )
  }
  // Otherwise in pieces, with as little blank written as possible. Ink builds a frame one
  // character at a time (every written character becomes a styled cell, and each distinct
  // string is first split into graphemes), which is most of what a frame costs; every node
  // costs layout and reconciling too. So a left-aligned column (names, places: mostly padding)
  // is a box of its width holding just its text, and each run of right-aligned columns
  // (numbers, nearly full) is one text with its padding.
  const pieces: ReactElement[] = []
  let run = ''
  const endRun = () => {
    if (run) pieces.push(<Text key={pieces.length} color={color} wrap="truncate">{run}</Text>)
    run = ''
  }
  columns.forEach(({column, width: w}, i) => {
    const gap = i < columns.length - 1 ? GAP : ''
    const text = fit(column.value(row, ctx), w, column.align)
    if (column.align === 'right') {
      run += text + gap
      return
    }
    endRun()
    pieces.push(
      <Box key={pieces.length} width={w + gap.length} flexShrink={0}>
        <Text color={color} wrap="truncate">
          {text.trimEnd()}
        </Text>
      </Box>,
    )
  })
  endRun()
  return (
    <Box height={1} width={width}>
      {pieces}
    </Box>
  )
}

/** A row is drawn again only when it, the columns, the clock or its selection changes. */
const TableRow = memo(TableRowLine) as typeof TableRowLine
