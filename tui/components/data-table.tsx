import {Box, Text} from 'ink'
import {type ReactElement, useMemo, useRef} from 'react'

import type {Column, RenderContext} from '../../src/cli/columns/column.js'
import {fit} from './fit.js'

/** A declared column (shared with the CLI's tables) and its width on screen. */
export interface TableColumn<T> {
  column: Column<T>
  width: number
  /** Takes the terminal's spare width, and gives up its own (down to `minWidth`) before a column is dropped. */
  flex?: boolean
  minWidth?: number
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
 * The columns as they fit `width`: flexible columns grow into spare room or shrink to their
 * minimum; what still does not fit is dropped from the right, so no row ever wraps.
 */
export function layoutColumns<T>(columns: readonly TableColumn<T>[], width: number): TableColumn<T>[] {
  const total = (cols: readonly TableColumn<T>[]) => cols.reduce((sum, c) => sum + c.width, 0) + GAP.length * Math.max(0, cols.length - 1)
  const flexible = columns.filter((c) => c.flex).length
  let out = columns.map((c) => ({...c}))
  let spare = width - total(out)
  for (const c of out) {
    if (!c.flex || spare === 0) continue
    const share = spare > 0 ? Math.floor(spare / flexible) : Math.max(spare, (c.minWidth ?? c.width) - c.width)
    c.width += share
    spare -= share
  }
  while (out.length > 1 && total(out) > width) out = out.slice(0, -1)
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

/** A windowed table: one line of text per visible row, nothing rendered for the rest. */
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
    const text = fit(laidOut.map(({column, width: w}) => fit(column.value(row, ctx), w, column.align)).join(GAP), width)
    const isSelected = i === selected
    lines.push(
      <Text key={i} inverse={isSelected} color={isSelected ? undefined : props.rowColor?.(row)} wrap="truncate">
        {text}
      </Text>,
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
