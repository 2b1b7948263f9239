import {afterEach, describe, expect, it} from 'vitest'

import type {Column} from '../../src/cli/output/columns/column.js'
import {renderTui, type RenderedTui} from '../test-render.js'
import {DataTable, layoutColumns} from './data-table.js'

const columns: Array<{column: Column<number>; width: number}> = [
  {column: {id: 'n', header: 'N', align: 'right', value: (n) => String(n)}, width: 6},
  {column: {id: 'sq', header: 'SQUARE', align: 'right', value: (n) => String(n * n)}, width: 12},
]

let screen: RenderedTui | undefined
afterEach(() => screen?.unmount())

describe('DataTable', () => {
  it('renders only the rows in its window, reading them by index', async () => {
    const read: number[] = []
    const rows = {length: 100_000, at: (i: number) => (read.push(i), i)}
    screen = renderTui(<DataTable columns={columns} rows={rows} selected={50_000} height={5} width={40} ctx={{now: 0}} emptyText="none" sortedBy={{id: 'sq', descending: true}} />)
    const frame = await screen.waitFor('50000')
    expect(frame.split('\n')[0]).toMatch(/^ +N +SQUARE↓/)
    expect(frame).toContain('2500000000')
    expect(new Set(read).size).toBeLessThanOrEqual(5)
    expect(frame.split('\n').filter((l) => /^\s+\d+\s+\d+\s*$/.test(l))).toHaveLength(5)
  })

  it('says so when there are no rows, and cuts long cells with an ellipsis', async () => {
    screen = renderTui(<DataTable columns={columns} rows={{length: 0, at: () => undefined}} selected={0} height={3} width={40} ctx={{now: 0}} emptyText="No offer matches" />)
    await screen.waitFor('No offer matches')
    screen.unmount()
    screen = renderTui(<DataTable columns={columns} rows={{length: 1, at: () => 123_456_789}} selected={0} height={3} width={40} ctx={{now: 0}} emptyText="-" />)
    await screen.waitFor('…')
  })
})

describe('layoutColumns', () => {
  const wide = (id: string, width: number, extra: object = {}) => ({column: {id, header: id, value: () => ''}, width, ...extra})

  it('gives spare room to the flexible column and takes it back down to its minimum before dropping any', () => {
    const cols = [wide('a', 10), wide('loc', 20, {flex: true, minWidth: 8}), wide('z', 6)]
    expect(layoutColumns(cols, 60).map((c) => c.width)).toEqual([10, 40, 6])
    expect(layoutColumns(cols, 30).map((c) => c.width)).toEqual([10, 10, 6])
    expect(layoutColumns(cols, 24).map((c) => [c.column.id, c.width])).toEqual([['a', 10], ['loc', 12]])
  })

  it('drops the least important columns first on a narrow terminal, not simply the rightmost', () => {
    // Given an id, a long name, and the money column last but most important
    const cols = [wide('id', 10, {priority: 1}), wide('name', 20, {priority: 3}), wide('owner', 10, {priority: 2}), wide('cost', 8, {priority: 1})]

    // Then a narrow table keeps id and cost, and drops the name before the owner
    expect(layoutColumns(cols, 40).map((c) => c.column.id)).toEqual(['id', 'owner', 'cost'])
    expect(layoutColumns(cols, 25).map((c) => c.column.id)).toEqual(['id', 'cost'])
    expect(layoutColumns(cols, 60).map((c) => c.column.id)).toEqual(['id', 'name', 'owner', 'cost'])
  })

  it('lets no flexible column grow past its maximum on a wide terminal', () => {
    const cols = [wide('gpu', 12, {flex: true, minWidth: 8, maxWidth: 20}), wide('location', 22, {flex: true, minWidth: 12, maxWidth: 30}), wide('age', 6)]
    const laidOut = layoutColumns(cols, 160)
    expect(laidOut.map((c) => c.width)).toEqual([20, 30, 6])
    // Growth is shared in turn, not all given to the first flexible column
    expect(layoutColumns(cols, 50).map((c) => c.width)).toEqual([15, 25, 6])
  })
})
