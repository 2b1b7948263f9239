import {Box, Text} from 'ink'
import {useMemo, useRef} from 'react'

import {planSshConnect} from '../../src/cli/ssh/connect.js'
import {extendPrompt, extendableHours, notExtendableReason, withExtendFix} from '../../src/cli/flows/extension.js'
import {formatClock, formatCost, formatHourly, localizeTimes} from '../../src/cli/output/format.js'
import type {SessionDto} from '../../src/core/api/sessions.js'
import {MIN_RESERVATION_HOURS} from '../../src/core/limits.js'
import {DataTable, type TableColumn} from '../components/data-table.js'
import {SessionLaunch, sessionLaunchHeight} from '../components/session-launch.js'
import {useNow} from '../hooks/use-now.js'
import {usePoll} from '../hooks/use-poll.js'
import {actionFor} from '../keymap.js'
import {errorText} from '../model/error-text.js'
import {MOVEMENTS, moveSelection} from '../model/list-navigation.js'
import {SESSION_BROWSER_COLUMNS, SESSION_STATUS_COLORS, costSoFar, isEnded, launchDetail, sessionMatches} from '../model/session-rows.js'
import {useServices} from '../services.js'
import {useScreenKeys, useShell, type DangerousPlan} from '../shell.js'

/**
 * Width and how long each column survives a narrow terminal (1 longest). At 80 columns a
 * session still shows its state, where to reach it, how long it has run and has left, and what
 * it has cost; GPU, provider and consumer come back as the terminal widens.
 */
const LAYOUT: Record<string, Omit<TableColumn<SessionDto>, 'column'>> = {
  id: {width: 17, priority: 1},
  status: {width: 12, priority: 1},
  gpu: {width: 14, flex: true, minWidth: 11, maxWidth: 22, priority: 4},
  provider: {width: 10, priority: 5},
  host: {width: 22, flex: true, minWidth: 16, maxWidth: 30, priority: 2},
  uptime: {width: 7, priority: 3},
  expires: {width: 10, priority: 2},
  cost: {width: 8, priority: 2},
  consumer: {width: 12, flex: true, minWidth: 12, maxWidth: 20, priority: 6},
}
const COLUMNS: readonly TableColumn<SessionDto>[] = SESSION_BROWSER_COLUMNS.map((column) => ({column, width: 10, ...LAYOUT[column.id]}))
const TIMELINE_LINES = 8
const POLL_MS = 1500

export interface SessionsScreenProps {
  height: number
  width: number
  text: string
  onText(text: string): void
  showEnded: boolean
  onShowEnded(showEnded: boolean): void
  selectedId: string | null
  onSelect(sessionId: string | null): void
}

/** Every session, live: what it is, where to reach it, how long it has left and what it costs. */
export function SessionsScreen(props: SessionsScreenProps) {
  const {height, width} = props
  const services = useServices()
  const shell = useShell()
  const now = useNow(1000)
  const list = usePoll((signal) => services.client.sessions.list({limit: 500}, {signal}), POLL_MS, [], services.now)
  const lastIndex = useRef(0)

  const rows = useMemo(() => {
    const all = list.data?.sessions ?? []
    const shown = all.filter((s) => (props.showEnded || !isEnded(s) || s.id === props.selectedId) && sessionMatches(s, props.text))
    return shown.sort((a, b) => Number(isEnded(a)) - Number(isEnded(b)) || Date.parse(b.created_at) - Date.parse(a.created_at))
  }, [list.data, props.showEnded, props.text, props.selectedId])

  let selected = lastIndex.current
  if (props.selectedId !== null) {
    const found = rows.findIndex((s) => s.id === props.selectedId)
    if (found >= 0) selected = found
  }
  selected = Math.min(selected, Math.max(0, rows.length - 1))
  lastIndex.current = selected
  const session = rows[selected]
  const launch = useMemo(() => (session ? launchDetail(session) : null), [session])

  const events = usePoll(
    (signal) => (session ? services.client.sessions.events(session.id, 0, {signal}) : Promise.resolve({events: [], count: 0})),
    POLL_MS,
    [session?.id],
    services.now,
  )

  const tableHeight = Math.max(1, height - 2 - TIMELINE_LINES)

  const act = async (what: string, run: () => Promise<string>) => {
    try {
      shell.notify(`${what}…`)
      shell.notify(await run(), 'success')
      list.refresh()
    } catch (err) {
      shell.notify(errorText(err), 'error')
    }
  }

  useScreenKeys('sessions', (input, key) => {
      const binding = actionFor('sessions', input, key)
      if (!binding) return
      const action = binding.action
      if (MOVEMENTS.has(action)) {
        const index = moveSelection(action, lastIndex.current, rows.length, tableHeight)
        lastIndex.current = index
        return props.onSelect(rows[index]?.id ?? null)
      }
      if (action === 'filter') return shell.filter()
      if (action === 'back') return props.text ? props.onText('') : undefined
      if (action === 'refresh') return list.refresh()
      if (action === 'toggleEnded') return props.onShowEnded(!props.showEnded)
      if (!session) {
        if (['connect', 'copySsh', 'extend'].includes(action)) shell.notify('No session selected.', 'error')
        return
      }
      const id = session.id
      switch (action) {
        case 'connect':
          return void planSshConnect(services.client, id, services.paths, {viaServer: services.sshViaServer}).then(
            (plan) => services.runSsh(plan.argv),
            (err: unknown) => shell.notify(errorText(err), 'error'),
          )
        case 'copySsh':
          return void planSshConnect(services.client, id, services.paths, {viaServer: services.sshViaServer}).then(
            (plan) => {
              services.copyToClipboard(plan.printable)
              shell.notify(`Copied: ${plan.printable}`, 'success')
            },
            (err: unknown) => shell.notify(errorText(err), 'error'),
          )
        case 'extend': {
          // The range is what is left of this session's 12 hours, not always 1-12.
          const refused = notExtendableReason(session)
          if (refused) return shell.notify(refused, 'error')
          const most = extendableHours(session)
          return shell.prompt({
            label: extendPrompt(id, most),
            accept: /[0-9]/,
            onSubmit: (text) => {
              const hours = Number(text)
              if (!Number.isInteger(hours) || hours < MIN_RESERVATION_HOURS || hours > most) return most === 1 ? 'only 1 hour is left to add' : `a whole number of hours from ${MIN_RESERVATION_HOURS} to ${most}`
              void act(`Extending ${id}`, async () => {
                const reply = await services.client.sessions.extend(id, hours).catch((err: unknown) => {
                  throw withExtendFix(err, id, 'tui')
                })
                return `${id} now expires at ${formatClock(reply.new_expires_at, services.now())}.`
              })
              return null
            },
          })
        }
      }
    },
    // Ending a machine: what to ask and what to send once the dashboard has had a yes.
    (binding): DangerousPlan | undefined => {
      if (!session) return {refuse: 'No session selected.'}
      const id = session.id
      const end = (what: string, send: () => Promise<string>) => () => {
        // The session acted on stays listed (and selected) while it stops, even with ended ones hidden.
        props.onSelect(id)
        void act(what, send)
      }
      switch (binding.action) {
        case 'done':
          return {
            confirm: {
              title: `Release ${id}?`,
              lines: [
                `${session.gpu_count}x ${session.gpu_type} on ${session.provider}, ${session.status}, ${formatCost(costSoFar(session, now))} so far.`,
                'The instance is destroyed (verified with the provider) and its costs close. Files on it are lost.',
              ],
              yes: 'release it',
            },
            run: end(`Releasing ${id}`, async () => {
              await services.client.sessions.done(id, {idempotencyKey: services.newIdempotencyKey()})
              return `${id} is being released; its state follows here.`
            }),
          }
        case 'shutdown':
          return {
            confirm: {
              title: `Force shutdown of ${id} now?`,
              lines: [`Destroys the instance at once, whatever runs on it. ${session.gpu_count}x ${session.gpu_type} on ${session.provider}.`],
              yes: 'destroy it',
            },
            run: end(`Shutting down ${id}`, async () => {
              await services.client.sessions.shutdown(id, {idempotencyKey: services.newIdempotencyKey()})
              return `${id} is being destroyed.`
            }),
          }
        case 'resume':
          if (session.status !== 'preserved') return {refuse: `${id} is ${session.status}; only a preserved session (storage policy preserve, released) can be resumed.`}
          return {
            confirm: {
              title: `Resume ${id}?`,
              lines: [
                `${session.gpu_count}x ${session.gpu_type} on ${session.provider}: its stopped instance starts again, with the disk it kept.`,
                `Compute bills again from its start, at ${formatHourly(session.price_per_hour_micro_usd)}. If it does not come up (its GPUs rented meanwhile), it is stopped again and stays preserved.`,
              ],
              yes: 'resume it',
            },
            run: end(`Resuming ${id}`, async () => {
              await services.client.sessions.resume(id)
              return `${id} is starting again; its state follows here.`
            }),
          }
      }
      return undefined
    },
  )

  const running = rows.filter((s) => s.status === 'running')
  const burn = running.reduce((sum, s) => sum + s.price_per_hour_micro_usd, 0)
  // The pane keeps its height: what the session runs takes the place of its oldest events.
  const timeline = (events.data?.events ?? []).slice(-(TIMELINE_LINES - 2 - sessionLaunchHeight(launch)))
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Text wrap="truncate">
        <Text bold>Sessions</Text>
        <Text>{`  ${rows.length} shown${props.showEnded ? '' : ' (a: show ended)'}`}</Text>
        <Text color="green">{`  ${running.length} running, ${formatHourly(burn)}`}</Text>
        {props.text ? <Text color="cyan">{`  /${props.text}`}</Text> : null}
        {list.error ? <Text color="red">{`  ${list.error}`}</Text> : null}
      </Text>
      <DataTable
        columns={COLUMNS}
        rows={{length: rows.length, at: (i) => rows[i]}}
        selected={selected}
        height={tableHeight}
        width={width}
        ctx={{now}}
        rowColor={(s) => SESSION_STATUS_COLORS[s.status]}
        emptyText={list.data ? 'No sessions: rent one from the inventory (1, then p).' : 'Loading sessions…'}
      />
      <Box flexDirection="column" height={TIMELINE_LINES} overflow="hidden">
        <Text color="cyan" wrap="truncate">
          {`── ${session ? `${session.id} events` : 'events'} `.padEnd(width, '─')}
        </Text>
        {session ? (
          <Text wrap="truncate" dimColor>
            {`offer ${session.offer_id} · ${formatHourly(session.price_per_hour_micro_usd)} · expires ${formatClock(session.expires_at, now)}${session.failure_reason ? ` · failed: ${localizeTimes(session.failure_reason, now)}` : ''}`}
          </Text>
        ) : null}
        <SessionLaunch detail={launch} />
        {timeline.map((e) => (
          <Text key={e.id} wrap="truncate">
            <Text dimColor>{`${formatClock(e.at, now)} `}</Text>
            <Text color={e.to_status ? SESSION_STATUS_COLORS[e.to_status] : undefined}>{`${e.type}${e.to_status ? ` → ${e.to_status}` : ''}`}</Text>
            {`  ${localizeTimes(e.message, now)}`}
          </Text>
        ))}
        {events.error ? <Text color="red">{events.error}</Text> : null}
      </Box>
    </Box>
  )
}
