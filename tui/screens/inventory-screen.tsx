import {Box, Text} from 'ink'
import {useMemo, useRef, useSyncExternalStore} from 'react'

import {OFFER_BROWSER_COLUMNS} from '../../src/cli/output/columns/offers.js'
import {countOf} from '../../src/cli/output/format.js'
import type {OfferDto} from '../../src/core/api/inventory.js'
import {DataTable, type TableColumn} from '../components/data-table.js'
import {OfferDetail} from '../components/offer-detail.js'
import {ProvisionForm} from '../components/provision-form.js'
import {useNow} from '../hooks/use-now.js'
import {actionFor} from '../keymap.js'
import {MOVEMENTS, moveSelection} from '../model/list-navigation.js'
import type {OfferSort} from '../model/offer-index.js'
import {QUICK_FILTER_PROMPTS, applyQuickFilter, describeQuickFilters, type QuickFilterId} from '../model/quick-filters.js'
import {useServices} from '../services.js'
import {useScreenKeys, useShell, type DangerousPlan} from '../shell.js'
import {sortLabel, toggleSort, type InventoryQuery} from './inventory-state.js'

/**
 * Width and how long each column survives a narrow terminal (1 longest): what the GPU is and
 * what it costs per GPU stay; the offer's age goes first. GPU and location flex, within bounds.
 */
const LAYOUT: Record<string, Omit<TableColumn<OfferDto>, 'column'>> = {
  gpu_model: {width: 18, flex: true, minWidth: 12, maxWidth: 24, priority: 1},
  gpu_count: {width: 2, priority: 2},
  vram: {width: 7, priority: 2},
  // Four decimals: "$123.4567" for the dearest multi-GPU offers, "$12.3456" per GPU.
  price: {width: 9, priority: 2},
  price_per_gpu: {width: 8, priority: 1},
  provider: {width: 10, priority: 3},
  location: {width: 22, flex: true, minWidth: 12, maxWidth: 30, priority: 4},
  reliability: {width: 6, priority: 3, header: 'RELIAB'},
  age: {width: 9, priority: 5},
}

const COLUMNS: readonly TableColumn<OfferDto>[] = OFFER_BROWSER_COLUMNS.map((column) => ({column, width: 10, ...LAYOUT[column.id]}))

const SORT_COLUMN: Record<OfferSort, string> = {
  gpu: 'gpu_model',
  count: 'gpu_count',
  vram: 'vram',
  price: 'price',
  price_per_gpu: 'price_per_gpu',
  provider: 'provider',
  location: 'location',
  reliability: 'reliability',
  age: 'age',
}

const DETAIL_LINES = 6

export interface InventoryScreenProps {
  height: number
  width: number
  query: InventoryQuery
  /** Updates the query from its latest value (keys may arrive faster than frames). */
  onQuery(update: (query: InventoryQuery) => InventoryQuery): void
  selectedId: string | null
  onSelect(offerId: string | null): void
  /** After a provision: the new session's id. */
  onProvisioned(sessionId: string): void
}

/** The market: every offer in one windowed table, filtered and sorted in this process. */
export function InventoryScreen(props: InventoryScreenProps) {
  const {height, width, query} = props
  const services = useServices()
  const shell = useShell()
  const now = useNow(5000)
  const market = useSyncExternalStore(services.offers.subscribe, services.offers.getSnapshot)
  const view = useMemo(() => market.index.view(query), [market.index, query])
  // One object per tick of the clock: the table's rows are redrawn when it changes, not on every keystroke.
  const ctx = useMemo(() => ({now}), [now])
  const lastIndex = useRef(0)

  let selected = lastIndex.current
  if (props.selectedId !== null && view.at(selected)?.id !== props.selectedId) {
    const found = view.indexOf(props.selectedId)
    selected = found >= 0 ? found : Math.min(selected, Math.max(0, view.length - 1))
  }
  selected = Math.min(selected, Math.max(0, view.length - 1))
  lastIndex.current = selected
  const offer = view.at(selected)

  const tableHeight = Math.max(1, height - 2 - DETAIL_LINES)

  const select = (index: number) => {
    lastIndex.current = index
    props.onSelect(view.at(index)?.id ?? null)
  }

  const askQuick = (id: QuickFilterId) => {
    const prompt = QUICK_FILTER_PROMPTS[id]
    const field = id === 'vram' ? query.quick.minVramGb : id === 'price' ? query.quick.maxPriceMicroUsd : query.quick.minGpuCount
    const initial = field === undefined ? '' : id === 'price' ? String(field / 1e6) : String(field)
    shell.prompt({
      label: prompt.label,
      accept: prompt.accept,
      initial,
      onSubmit: (text) => {
        const result = applyQuickFilter(query.quick, id, text)
        if ('error' in result) return result.error
        props.onQuery((q) => ({...q, quick: result.quick}))
        return null
      },
    })
  }

  useScreenKeys('inventory', (input, key) => {
      const binding = actionFor('inventory', input, key)
      if (!binding) return
      const action = binding.action
      if (MOVEMENTS.has(action)) return select(moveSelection(action, lastIndex.current, view.length, tableHeight))
      if (action.startsWith('sort.')) return props.onQuery((q) => ({...q, sort: toggleSort(q.sort, action.slice(5) as OfferSort)}))
      switch (action) {
        case 'filter':
          return shell.filter()
        case 'back':
          return props.onQuery((q) => (q.text ? {...q, text: ''} : q))
        case 'refresh':
          void services.offers.load()
          return shell.notify('Reloading the market…')
        case 'quick.vram':
          return askQuick('vram')
        case 'quick.price':
          return askQuick('price')
        case 'quick.gpus':
          return askQuick('gpus')
        case 'quick.clear':
          return props.onQuery((q) => ({...q, quick: {}}))
      }
    },
    // Renting: the form gathers the terms, and the dashboard asks before anything is sent.
    (binding): DangerousPlan | undefined => {
      if (binding.action !== 'provision') return undefined
      if (!offer) return {refuse: 'No offer selected: clear the filter (esc) or wait for the market to load.'}
      return {form: (ask, close) => <ProvisionForm offer={offer} ask={ask} onClose={close} onProvisioned={props.onProvisioned} />}
    },
  )

  const quick = describeQuickFilters(query.quick)
  const loading = market.loading ? `  loading ${market.loadedSoFar.toLocaleString('en-US')}/${market.total.toLocaleString('en-US')}…` : ''
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Text wrap="truncate">
        <Text bold>Inventory</Text>
        <Text>{`  ${countOf(view.length, market.index.size, 'offer')}`}</Text>
        {query.text ? <Text color="cyan">{`  /${query.text}`}</Text> : null}
        {quick ? <Text color="cyan">{`  ${quick}`}</Text> : null}
        <Text dimColor>{`  sort ${sortLabel(query.sort)}`}</Text>
        {market.staleProviders.length ? <Text color="yellow">{`  stale: ${market.staleProviders.join(', ')}`}</Text> : null}
        <Text dimColor>{loading}</Text>
        {market.error ? <Text color="red">{`  ${market.error}`}</Text> : null}
      </Text>
      <DataTable
        columns={COLUMNS}
        rows={view}
        selected={selected}
        height={tableHeight}
        width={width}
        ctx={ctx}
        sortedBy={{id: SORT_COLUMN[query.sort.by], descending: query.sort.descending}}
        emptyText={market.loadedAt === null ? (market.error ? 'The market could not be loaded.' : 'Loading the market…') : 'No offer matches: esc clears the filter, x the quick filters.'}
      />
      <OfferDetail offer={offer} height={DETAIL_LINES} width={width} now={now} />
    </Box>
  )
}
