import {Box, Text} from 'ink'

import {costBreakdownRows, type CostBreakdownRow} from '../../src/cli/output/columns/costs.js'
import {budgetState} from '../../src/cli/output/columns/budgets.js'
import {costDigits, formatCost, plural} from '../../src/cli/output/format.js'
import {fit} from '../components/fit.js'
import {useNow} from '../hooks/use-now.js'
import {usePoll} from '../hooks/use-poll.js'
import {actionFor} from '../keymap.js'
import {bar, gauge, monthDays} from '../model/bars.js'
import {useServices} from '../services.js'
import {useScreenKeys} from '../shell.js'

const POLL_MS = 5000

export interface CostsScreenProps {
  height: number
  width: number
}

/** This month's money: totals, where it went, day by day, and each budget against its limit. */
export function CostsScreen({height, width}: CostsScreenProps) {
  const {client, now: clock} = useServices()
  const now = useNow(POLL_MS)
  const days = monthDays(now)
  const summary = usePoll((signal) => client.costs.summary({}, {signal}), POLL_MS, [], clock)
  const daily = usePoll(
    (signal) => client.costs.get({period: 'daily', start_date: days[0], end_date: days.at(-1)}, {signal}),
    POLL_MS,
    [days[0], days.at(-1)],
    clock,
  )
  const budgets = usePoll((signal) => client.budgets.list({signal}), POLL_MS, [], clock)

  useScreenKeys('costs', (input, key) => {
      if (actionFor('costs', input, key)?.action !== 'refresh') return
      summary.refresh()
      daily.refresh()
      budgets.refresh()
  })

  const s = summary.data
  const breakdown = s ? costBreakdownRows(s) : []
  const section = (dimension: CostBreakdownRow['dimension']) => breakdown.filter((r) => r.dimension === dimension)
  const columnWidth = Math.max(20, Math.floor((width - 4) / 3))
  const breakdownLines = Math.min(6, Math.max(1, ...(['provider', 'gpu_type', 'consumer'] as const).map((d) => section(d).length)))

  const byDay = new Map((daily.data?.series ?? []).map((p) => [p.period.slice(0, 10), p.total_cost_micro_usd]))
  const maxDay = Math.max(0, ...byDay.values())
  const budgetRows = budgets.data?.budgets ?? []
  const fixed = 2 + 1 + breakdownLines + 2 + 2 + Math.min(budgetRows.length, 5)
  const dayLines = Math.max(1, height - fixed)
  const shownDays = days.slice(-dayLines)
  const barWidth = Math.max(4, width - 28)
  const error = summary.error ?? daily.error ?? budgets.error
  // The month's total and the rows that sum to it share one precision; so do the days.
  const totalDigits = costDigits([s?.total_cost_micro_usd ?? 0, ...breakdown.map((r) => r.total_cost_micro_usd)])
  const dayDigits = costDigits(byDay.values())

  return (
    <Box flexDirection="column" height={height} width={width} overflow="hidden">
      <Text wrap="truncate">
        <Text bold>Costs</Text>
        {s ? (
          <Text>
            {`  ${s.month}: `}
            <Text bold color="green">
              {formatCost(s.total_cost_micro_usd, totalDigits)}
            </Text>
            {`  ${plural(s.session_count, 'session')}, ${s.hours_used.toFixed(2)} machine-hours billed, ${s.active_sessions} active now`}
            {componentLine(section('component'), totalDigits)}
          </Text>
        ) : (
          <Text dimColor>  loading…</Text>
        )}
        {error ? <Text color="red">{`  ${error}`}</Text> : null}
      </Text>
      <Text> </Text>
      <Box flexDirection="row" height={breakdownLines + 1}>
        {(['provider', 'gpu_type', 'consumer'] as const).map((dimension) => (
          <Box key={dimension} flexDirection="column" width={columnWidth} marginRight={2}>
            <Text bold>{`By ${dimension.replace('_', ' ')}`}</Text>
            {section(dimension)
              .slice(0, breakdownLines)
              .map((r) => (
                <Text key={r.key} wrap="truncate">
                  {`${fit(r.key, columnWidth - 12)} ${fit(formatCost(r.total_cost_micro_usd, totalDigits), 10, 'right')}`}
                </Text>
              ))}
            {s && section(dimension).length === 0 ? <Text dimColor>nothing yet</Text> : null}
          </Box>
        ))}
      </Box>
      <Text> </Text>
      <Text bold>Daily (UTC)</Text>
      {shownDays.map((day) => {
        const micro = byDay.get(day) ?? 0
        return (
          <Text key={day} wrap="truncate">
            <Text dimColor>{`${day} `}</Text>
            {`${fit(formatCost(micro, dayDigits), 10, 'right')} `}
            <Text color="green">{bar(micro, maxDay, barWidth)}</Text>
          </Text>
        )
      })}
      <Text> </Text>
      <Text bold>Budgets this month</Text>
      {budgets.data && budgetRows.length === 0 ? <Text dimColor>none set (gpu-shopper budgets set --consumer-id ID --monthly-limit USD)</Text> : null}
      {budgetRows.slice(0, 5).map((b) => {
        const state = budgetState(b)
        return (
          <Text key={b.consumer_id} wrap="truncate">
            {`${fit(b.consumer_id, 14)} ${fit(`${formatCost(b.spent_micro_usd)} / ${formatCost(b.monthly_limit_micro_usd)}`, 22)} `}
            <Text color={state === 'ok' ? 'green' : state === 'alerted' ? 'yellow' : 'red'}>{gauge(b.spent_micro_usd, b.committed_micro_usd, b.monthly_limit_micro_usd, 20)}</Text>
            {`  ${formatCost(b.remaining_micro_usd)} left · alert at ${Math.round(b.alert_threshold * 100)}% · on limit: ${b.on_limit} · ${state}`}
          </Text>
        )
      })}
    </Box>
  )
}

/** Compute against storage (a preserved disk bills only storage), and what settling with the providers changed. */
function componentLine(rows: readonly CostBreakdownRow[], digits: number): string {
  const label: Record<string, string> = {compute: 'compute', storage: 'storage', settlement: 'settled'}
  const parts = rows.map((r) => `${label[r.key] ?? r.key} ${formatCost(r.total_cost_micro_usd, digits)}`)
  return parts.length > 0 ? `  (${parts.join(' · ')})` : ''
}
