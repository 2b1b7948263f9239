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

  const headers = laidOut.map(({column, width: w, header: short}) => {
    const mark = props.sortedBy?.id === column.id ? (props.sortedBy.descending ? '↓' : '↑') : ''
    return {text: fit((short ?? column.header) + mark, w, column.align), width: w, align: column.align}
  })

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
      <TableLine cells={headers} width={width} bold />
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
  const cells = columns.map(({column, width: w}) => ({text: fit(column.value(row, ctx), w, column.align), width: w, align: column.align}))
  return <TableLine cells={cells} width={width} color={color} inverse={selected} />
}

interface Cell {
  /** Already fitted to `width`. */
  text: string
  width: number
  align: 'left' | 'right' | undefined
}

/**
 * One line of the table. Ink builds a frame one character at a time (every written character
 * becomes a styled cell, and each distinct string is first split into graphemes, its width
 * measured again in every frame), which is most of what a frame costs; every node costs layout
 * and reconciling too. So the line goes in pieces with as little blank written as possible: a
 * left-aligned column (names, places: mostly padding) is a box of its width holding just its
 * text, each run of right-aligned columns (numbers, nearly full) one text with its padding.
 * An inverse line (the selection) is one bar of text across the table, and a line wider than
 * the terminal (one column left, wider than the screen) is cut as a whole, with its "…".
 */
function TableLine({cells, width, color, inverse = false, bold = false}: {cells: readonly Cell[]; width: number; color?: string; inverse?: boolean; bold?: boolean}) {
  const lineWidth = cells.reduce((sum, c) => sum + c.width, GAP.length * (cells.length - 1))
  if (inverse || lineWidth > width) {
    return (
      <Text inverse={inverse} bold={bold} color={inverse ? undefined : color} wrap="truncate">
        {fit(cells.map((c) => c.text).join(GAP), width)}
      </Text>
    )
  }
  const pieces: ReactElement[] = []
  let run = ''
  const endRun = () => {
    if (run) pieces.push(<Text key={pieces.length} bold={bold} color={color} wrap="truncate">{run}</Text>)
    run = ''
  }
  cells.forEach(({text, width: w, align}, i) => {
    const gap = i < cells.length - 1 ? GAP : ''
    if (align === 'right') {
      run += text + gap
      return
    }
    endRun()
    pieces.push(
      <Box key={pieces.length} width={w + gap.length} flexShrink={0}>
        <Text bold={bold} color={color} wrap="truncate">
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
