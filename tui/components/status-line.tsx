import {Box, Text} from 'ink'
import {useSyncExternalStore} from 'react'

import {formatDuration} from '../../src/cli/output/format.js'
import {useNow} from '../hooks/use-now.js'
import {usePoll} from '../hooks/use-poll.js'
import {useServices} from '../services.js'

const HEALTH_POLL_MS = 5000
// Who the token is changes only with a new login: read it once a minute.
const WHOAMI_POLL_MS = 60_000

/**
 * Where the dashboard is connected, whether the market is simulated, and how fresh it is. It
 * polls and ticks on its own, so the rest of the dashboard does not redraw every second.
 */
export function StatusLine({width}: {width: number}) {
  const services = useServices()
  const now = useNow(1000)
  const polled = usePoll((signal) => services.client.health({signal}), HEALTH_POLL_MS, [], services.now)
  const whoami = usePoll((signal) => services.client.whoami({signal}), WHOAMI_POLL_MS, [], services.now).data
  const clientNotice = useSyncExternalStore(services.clientNotices.subscribe, services.clientNotices.getSnapshot)
  const health = polled.data
  const healthError = polled.error
  const serverUrl = services.serverUrl
  const stale = health?.providers.filter((p) => p.configured && p.stale).map((p) => p.name) ?? []
  const refreshed = health?.providers.map((p) => (p.last_refresh_at ? Date.parse(p.last_refresh_at) : NaN)).filter((t) => !Number.isNaN(t)) ?? []
  const lastRefresh = refreshed.length ? Math.max(...refreshed) : null
  const noMarket = health !== undefined && !health.providers.some((p) => p.configured)
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text wrap="truncate">
        <Text bold color="cyan">
          gpu-shopper
        </Text>
        <Text dimColor>{` ${serverUrl}  `}</Text>
        {/* A team server: which user of which tenant this dashboard acts as. */}
        {whoami?.mode === 'oidc' ? <Text color="cyan">{`${whoami.user}@${whoami.tenant} (${whoami.role})  `}</Text> : null}
        {health?.simulated ? (
          <Text backgroundColor="yellow" color="black" bold>
            {' SIMULATED MARKET '}
          </Text>
        ) : null}
        {/* Before the rest: on a narrow terminal the line is cut from the right. */}
        {clientNotice && now <= clientNotice.until ? <Text color="yellow">{`  ${clientNotice.text}`}</Text> : null}
        {health && health.status !== 'ok' ? <Text color="yellow">{`  daemon ${health.status}`}</Text> : null}
        {noMarket ? (
          <Text color="red">{'  no marketplace configured: set VASTAI_API_KEY or TENSORDOCK_API_TOKEN for the daemon, or run it with --simulate'}</Text>
        ) : null}
        {stale.length ? <Text color="yellow">{`  stale: ${stale.join(', ')}`}</Text> : null}
        {lastRefresh !== null ? <Text dimColor>{`  market refreshed ${formatDuration(now - lastRefresh)} ago`}</Text> : null}
        {healthError ? <Text color="red">{`  ${healthError}`}</Text> : null}
      </Text>
    </Box>
  )
}
